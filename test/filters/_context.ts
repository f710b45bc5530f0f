/** @module Test helpers for filters: the exported kit (src/testing/), with the test Worker's real bindings as `env`. */
import { env } from 'cloudflare:workers'
import type { Env } from '../../src/env.ts'
import type { RequestContext } from '../../src/context.ts'
import { type ContextInit, makeContext as makeKitContext } from '../../src/testing/context.ts'

export { expectProblem } from '../../src/testing/conformance.ts'
export { aborted, build, type ContextInit, deepFreeze, FACTORY_CTX, okUpstream, run, type RunResult, STARTED_AT, type Upstream } from '../../src/testing/context.ts'

/** Builds a RequestContext as the pipeline does, with the real KV and Durable Object bindings. */
export function makeContext(init: ContextInit = {}): RequestContext {
  return makeKitContext({ env: env as unknown as Env, ...init })
}
