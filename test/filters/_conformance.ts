/** @module The exported conformance kit (src/testing/conformance.ts) with the test Worker's real bindings. */
import { env } from 'cloudflare:workers'
import type { Env } from '../../src/env.ts'
import type { FilterFactory } from '../../src/filters/types.ts'
import { type ConformanceCase, runConformance as runKit } from '../../src/testing/conformance.ts'

export type { ConformanceCase, ConformanceTest } from '../../src/testing/conformance.ts'

export const runConformance = (factory: FilterFactory, c: ConformanceCase) => runKit(factory, { ...c, defaults: { env: env as unknown as Env, ...c.defaults } })
