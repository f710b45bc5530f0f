/** @module Helpers for rate_limit tests: filters standing for isolates, contexts whose background work can be awaited. */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import type { Env } from '../../../src/env.ts'
import { createIsolateLimiter, createRateLimitFilter, type IsolateLimiter } from '../../../src/filters/rate-limit/index.ts'
import type { HttpFilter, RequestContext } from '../../../src/filters/types.ts'
import { createStatsStore, type StatsStore } from '../../../src/observability/stats.ts'
import { type ContextInit, FACTORY_CTX, makeContext, okUpstream } from '../_context.ts'

export const testEnv = env as unknown as Env
export const T0 = Date.parse('2026-11-26T12:00:00Z')

/** One simulated isolate: its own lease/bucket state, its own filter instance, its own background queue. */
export interface Isolate {
  filter: HttpFilter
  state: IsolateLimiter
  /** Every request of this isolate records here. */
  stats: StatsStore
  /** Background work (`rc.waitUntil`) not yet awaited. */
  pending: Promise<unknown>[]
  /** Requests through the filter (request phase, then the upstream and response phase when admitted). */
  send(init?: ContextInit & { env?: Env; identity?: RequestContext['identity'] }): Promise<Sent>
  /** Awaits all background work so far (lease refills, releases). */
  settle(): Promise<void>
}

export interface Sent {
  rc: RequestContext
  response: Response
  admitted: boolean
}

/** A filter for `config` with its own isolate state (`maxKeys` bounds its LRUs). */
export function isolate(config: unknown, options: { maxKeys?: number; stats?: StatsStore } = {}): Isolate {
  const state = createIsolateLimiter(options.maxKeys)
  const stats = options.stats ?? createStatsStore()
  const factory = createRateLimitFilter({ isolate: state })
  const filter = factory.create(factory.configSchema.parse(config), FACTORY_CTX)
  const pending: Promise<unknown>[] = []
  return {
    filter,
    state,
    stats,
    pending,
    async send(init = {}) {
      const base = makeContext({ startedAt: T0, ...init })
      const rc: RequestContext = {
        ...base,
        env: init.env ?? base.env,
        identity: init.identity ?? {},
        stats,
        waitUntil: (p) => void pending.push(p),
      }
      const local = await filter.onRequest?.(rc)
      if (local) return { rc, response: local, admitted: false }
      const upstream = await okUpstream(rc)
      const response = (await filter.onResponse?.(rc, upstream)) ?? upstream
      return { rc, response, admitted: true }
    },
    async settle() {
      while (pending.length) await Promise.all(pending.splice(0))
    },
  }
}

/** A `rate_limit.<name>` counter of an isolate. */
export const counter = (i: Isolate, name: string) => i.stats.counters.get(`rate_limit.${name}`) ?? 0

/** A Structured Fields list item `"name";a=1;b=2` of the IETF headers, parsed strictly. */
export interface SfItem {
  name: string
  params: Record<string, number>
}

/**
 * Parses `RateLimit-Policy` / `RateLimit` (draft-ietf-httpapi-ratelimit-headers): a list of sf-string items with
 * integer parameters. Fails the test on anything else.
 */
export function parseSfList(value: string | null): SfItem[] {
  expect(value, 'header present').not.toBeNull()
  return value!.split(/\s*,\s*/).map((item) => {
    const m = /^"([A-Za-z0-9_.-]+)"((?:;[a-z][a-z0-9_-]*=\d+)+)$/.exec(item)
    expect(m, `not an sf-string item with integer params: ${item}`).not.toBeNull()
    const params: Record<string, number> = {}
    for (const p of m![2]!.slice(1).split(';')) {
      const [k, v] = p.split('=') as [string, string]
      params[k] = Number(v)
    }
    return { name: m![1]!, params }
  })
}

/** Retry-After as delay-seconds (RFC 9110 §10.2.3): digits only. */
export function retryAfterSeconds(res: Response): number {
  const v = res.headers.get('retry-after')
  expect(v).toMatch(/^\d+$/)
  return Number(v)
}

/**
 * The first call to a Durable Object in a test file loads the object's module (seconds on a busy machine): make it
 * in `beforeAll` so timeouts under test measure the object, not the cold start.
 */
export async function warmUp(): Promise<void> {
  await testEnv.RATE_LIMITER.getByName('rate_limit:0').release('warm-up', { kind: 'sliding_window', limit: 1, windowMs: 1_000 }, 0, 0, T0)
}

/** A per-client-address sliding window of `n` a minute, exact mode unless `extra` says otherwise. */
export const byIp = (name: string, n: number, extra: Record<string, unknown> = {}) => ({
  name,
  actions: [{ remote_address: {} }],
  sliding_window: { requests_per_unit: n, unit: 'minute' },
  mode: 'exact',
  ...extra,
})

/** A filter config with a generous timeout: these tests are about counting, not about a slow machine. */
export const limitsConfig = (domain: string, limits: unknown[], extra: Record<string, unknown> = {}) => ({
  domain,
  rate_limits: limits,
  timeout: '5s',
  ...extra,
})
