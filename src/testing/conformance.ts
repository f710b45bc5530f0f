/**
 * @module The contract every filter keeps, as a vitest suite (house style §31; modelled on Hono's `runTest`): a
 * strict config schema, no mutation of its config, passing requests continue, error replies are problem+json
 * with a declared code, every stat it records is declared. Run it for your own filter:
 * `runConformance(myFilter, { config: {…}, failing: {…} })` in a vitest-pool-workers test.
 */
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../http/problem.ts'
import type { FilterFactory } from '../filters/types.ts'
import type { RequestContext } from '../context.ts'
import { type ContextInit, deepFreeze, FACTORY_CTX, makeContext, run } from './context.ts'

export type ConformanceTest = 'strict-schema' | 'frozen-config' | 'passes' | 'response-phase' | 'problem-reply' | 'declared-stats'

export interface ConformanceCase {
  /** A valid config (input form) under which `passing` continues. */
  config: unknown
  /** A request the filter lets through under `config`. @default a plain GET */
  passing?: ContextInit
  /** A config and request that make the filter answer locally with an error, when it can. */
  failing?: { config: unknown; request: ContextInit; status: number; code: string }
  /** Tests that do not apply, with the reason (a filter that never answers locally skips 'problem-reply'). */
  skip?: { reason: string; tests: ConformanceTest[] }[]
  /** Defaults for every request the suite builds (e.g. `env` from 'cloudflare:workers'). */
  defaults?: ContextInit
}

/** Asserts an RFC 9457 problem reply with the gateway's members. */
export async function expectProblem(res: Response, want: { status: number; code: string; requestId?: string; flag?: string }) {
  expect(res.status).toBe(want.status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = (await res.json()) as Record<string, unknown>
  expect(body).toMatchObject({ status: want.status, code: want.code, request_id: want.requestId ?? 'req-1' })
  if (want.flag) expect(res.headers.get('x-legate-response-flags')).toBe(want.flag)
  return body
}

/** Stat names recorded through `rc.stats` while `rc` was in use. */
function recorded(rc: RequestContext): string[] {
  const store = rc.stats as unknown as { counters: Map<string, number>; gauges: Map<string, number>; histograms: Map<string, unknown> }
  return [...store.counters.keys(), ...store.gauges.keys(), ...store.histograms.keys()]
}

/** Runs the contract suite for one filter. */
export function runConformance(factory: FilterFactory, c: ConformanceCase): void {
  const skipped = new Set(c.skip?.flatMap((s) => s.tests) ?? [])
  const test = (name: ConformanceTest, title: string, fn: () => Promise<void> | void) => (skipped.has(name) ? it.skip : it)(title, fn)
  const frozen = (input: unknown) => deepFreeze(factory.configSchema.parse(input))
  const context = (init?: ContextInit) => makeContext({ ...c.defaults, ...init })

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
      for (const input of [c.config, ...(c.failing ? [c.failing.config] : [])]) {
        const cfg = frozen(input)
        const snapshot = JSON.stringify(cfg)
        const filter = factory.create(cfg, FACTORY_CTX)
        await run(filter, context(c.passing))
        if (c.failing) await run(filter, context(c.failing.request))
        expect(JSON.stringify(cfg)).toBe(snapshot)
      }
    })

    test('passes', 'lets a passing request continue (onRequest returns undefined)', async () => {
      const filter = factory.create(frozen(c.config), FACTORY_CTX)
      expect(await filter.onRequest?.(context(c.passing))).toBeUndefined()
    })

    test('response-phase', 'returns a Response or nothing from onResponse', async () => {
      const { response } = await run(factory.create(frozen(c.config), FACTORY_CTX), context(c.passing))
      expect(response).toBeInstanceOf(Response)
    })

    test('problem-reply', 'answers errors with application/problem+json carrying a declared code, status and request_id', async () => {
      if (!c.failing) throw new Error('no failing case: add one or skip "problem-reply" with a reason')
      expect(c.failing.code in ERROR_CODES || c.failing.code in (factory.errors ?? {}), `${c.failing.code} is neither a core code nor in errors`).toBe(true)
      const filter = factory.create(frozen(c.failing.config), FACTORY_CTX)
      const local = await filter.onRequest?.(context({ requestId: 'req-conf', ...c.failing.request }))
      expect(local).toBeInstanceOf(Response)
      await expectProblem(local as Response, { status: c.failing.status, code: c.failing.code, requestId: 'req-conf' })
    })

    test('declared-stats', 'records only the stats it declares', async () => {
      const seen = new Set<string>()
      for (const [config, request] of [[c.config, c.passing], ...(c.failing ? [[c.failing.config, c.failing.request]] : [])] as [unknown, ContextInit | undefined][]) {
        const rc = context(request)
        await run(factory.create(frozen(config), FACTORY_CTX), rc)
        for (const name of recorded(rc)) seen.add(name)
      }
      // A declared stat may also be recorded per route, as `vhost.<v>.route.<r>.<stat>`.
      const declared = Object.keys(factory.stats ?? {})
      const perRoute = (name: string) => name.startsWith('vhost.') && name.includes('.route.') && declared.some((d) => name.endsWith(`.${d}`))
      expect([...seen].filter((name) => !declared.includes(name) && !perRoute(name))).toEqual([])
    })
  })
}
