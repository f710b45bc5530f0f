/**
 * @module The contract every registered filter keeps (house style §31): a strict config schema, no mutation of its
 * config, passing requests continue, error replies are problem+json, the response phase copes with immutable
 * headers. Modelled on Hono's `runTest`, with an explicit `skip: [{ reason, tests }]`.
 */
import { describe, expect, it } from 'vitest'
import type { FilterFactory } from '../../src/filters/types.ts'
import { type ContextInit, deepFreeze, expectProblem, FACTORY_CTX, immutableResponse, makeContext, run } from './_context.ts'

export type ConformanceTest = 'strict-schema' | 'frozen-config' | 'passes' | 'immutable-response' | 'problem-reply'

export interface ConformanceCase {
  /** A valid config (input form) under which `passing` continues. */
  config: unknown
  /** A request the filter lets through under `config`. @default a plain GET */
  passing?: ContextInit
  /** A config and request that make the filter answer locally with an error, when it can. */
  failing?: { config: unknown; request: ContextInit; status: number; code: string }
  skip?: { reason: string; tests: ConformanceTest[] }[]
}

/** Runs the contract suite for one filter. */
export function runConformance(factory: FilterFactory, c: ConformanceCase): void {
  const skipped = new Set(c.skip?.flatMap((s) => s.tests) ?? [])
  const test = (name: ConformanceTest, title: string, fn: () => Promise<void> | void) =>
    (skipped.has(name) ? it.skip : it)(title, fn)
  const frozen = (input: unknown) => deepFreeze(factory.configSchema.parse(input))

  describe(`conformance: ${factory.name}`, () => {
    it('has a stable snake_case name, a status and a description', () => {
      expect(factory.name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/)
      expect(['stable', 'alpha']).toContain(factory.status)
      expect(factory.description.length).toBeGreaterThan(10)
    })

    test('strict-schema', 'accepts its sample config and rejects unknown keys', () => {
      expect(factory.configSchema.safeParse(c.config).success).toBe(true)
      const extra = { ...(c.config as object), no_such_field: 1 }
      expect(factory.configSchema.safeParse(extra).success).toBe(false)
    })

    test('frozen-config', 'does not mutate its config (deep-frozen) when creating or handling requests', async () => {
      const configs = [c.config, ...(c.failing ? [c.failing.config] : [])]
      for (const input of configs) {
        const cfg = frozen(input)
        const snapshot = JSON.stringify(cfg)
        const filter = factory.create(cfg, FACTORY_CTX)
        await run(filter, makeContext(c.passing))
        if (c.failing) await run(filter, makeContext(c.failing.request))
        expect(JSON.stringify(cfg)).toBe(snapshot)
      }
    })

    test('passes', 'lets a passing request continue (onRequest returns undefined)', async () => {
      const filter = factory.create(frozen(c.config), FACTORY_CTX)
      expect(await filter.onRequest?.(makeContext(c.passing))).toBeUndefined()
    })

    test('immutable-response', 'returns a Response or nothing from onResponse, even given immutable headers', async () => {
      const filter = factory.create(frozen(c.config), FACTORY_CTX)
      const rc = makeContext(c.passing)
      await filter.onRequest?.(rc)
      const out = await filter.onResponse?.(rc, immutableResponse())
      if (out !== undefined) expect(out).toBeInstanceOf(Response)
    })

    test('problem-reply', 'answers errors with application/problem+json carrying code, status and request_id', async () => {
      if (!c.failing) throw new Error('no failing case: add one or skip "problem-reply" with a reason')
      const filter = factory.create(frozen(c.failing.config), FACTORY_CTX)
      const rc = makeContext({ requestId: 'req-conf', ...c.failing.request })
      const local = await filter.onRequest?.(rc)
      expect(local).toBeInstanceOf(Response)
      await expectProblem(local as Response, { status: c.failing.status, code: c.failing.code, requestId: 'req-conf' })
    })
  })
}
