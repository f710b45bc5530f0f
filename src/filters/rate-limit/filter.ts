/**
 * @module rate_limit filter: Envoy-style descriptors against token buckets and sliding windows held by sharded
 * RateLimiter Durable Objects (exact or leased), per isolate (local), or by the Workers Rate Limiting binding.
 * Answers locally with 429 `ERR_RATE_LIMITED` (flag RL) and IETF rate limit headers, or, when the objects fail
 * and `failure_mode: deny`, with `ERR_RATE_LIMIT_SERVICE` (flag RLSE).
 */
import { problem } from '../../http/problem.ts'
import { compactKey } from '../../ratelimit/shard.ts'
import { defineFilter, type FilterFactory, type RequestContext } from '../types.ts'
import { type CompiledLimit, compileLimits } from './compile.ts'
import { RATE_LIMIT_ERRORS, RATE_LIMIT_STATS, rateLimitConfig } from './config.ts'
import type { DescriptorInput } from './descriptors.ts'
import { appendLimitHeaders, type LimitHeaders, rateLimitItem } from './headers.ts'
import { type IsolateLimiter, ISOLATE_LIMITER } from './isolate.ts'
import { decideLeased } from './lease-mode.ts'
import { type Decision, decideBinding, decideExact, decideLocal, type ModeContext } from './modes.ts'
import { Remote } from './remote.ts'

/** What the filter leaves in `rc.state.rate_limit` for its response phase (and for tests and logs). */
export interface RateLimitState {
  /** Limits that applied, by name, with what each decided. */
  decisions: { name: string; kind: Decision['kind']; shadow: boolean }[]
  headers: LimitHeaders
}

declare module '../../context.ts' {
  interface FilterStateMap {
    rate_limit: RateLimitState
  }
}

export interface RateLimitFilterOptions {
  /** Per-isolate lease and local-bucket state. @default the isolate's own (one per isolate) */
  isolate?: IsolateLimiter
}

function decide(l: CompiledLimit, key: string, m: ModeContext): Decision | Promise<Decision> {
  switch (l.mode) {
    case 'exact':
      return decideExact(l, key, m)
    case 'leased':
      return decideLeased(l, key, m)
    case 'local':
      return decideLocal(l, key, m)
    case 'binding':
      return decideBinding(l, key, m)
  }
}

/**
 * Builds the filter; the registry uses `rateLimitFilter`. Tests pass their own `isolate` to stand for several
 * isolates sharing the same objects.
 */
export function createRateLimitFilter(options: RateLimitFilterOptions = {}): FilterFactory<typeof rateLimitConfig> {
  const isolate = options.isolate ?? ISOLATE_LIMITER
  return defineFilter({
    name: 'rate_limit',
    status: 'alpha',
    description: 'Global (Durable Object, exact or leased) and local rate limits on Envoy descriptors, IETF RateLimit headers',
    configSchema: rateLimitConfig,
    errors: RATE_LIMIT_ERRORS,
    stats: RATE_LIMIT_STATS,
    create(config) {
      const limits = compileLimits(config)
      const remote = new Remote({ binding: config.durable_object_binding, shards: config.shards })
      const { failure_mode: failureMode, ratelimit_headers: headerMode } = config

      async function rateLimit(rc: RequestContext): Promise<Response | undefined> {
        const input: DescriptorInput = { rc }
        const applied: { l: CompiledLimit; key: string }[] = []
        for (const l of limits) {
          const d = l.descriptor(input)
          if (d !== null) applied.push({ l, key: compactKey(l.keyPrefix + d) })
        }
        if (!applied.length) return undefined
        const m: ModeContext = { rc, now: rc.startedAt, remote, isolate, timeoutMs: config.timeout, leaseTtlMs: config.lease.ttl }
        const decisions = await Promise.all(applied.map(({ l, key }) => decide(l, key, m)))

        const headers: LimitHeaders = { policies: [], states: [] }
        const state: RateLimitState = { decisions: [], headers }
        rc.state.rate_limit = state
        let over = false
        let shadowOver = false
        let failed = false
        decisions.forEach((d, i) => {
          const l = applied[i]!.l
          state.decisions.push({ name: l.name, kind: d.kind, shadow: l.shadow })
          if (d.kind === 'error') failed = true
          else if (d.kind === 'over' && l.shadow) shadowOver = true
          else if (!l.shadow) {
            if (d.kind === 'over') {
              over = true
              headers.retryAfterMs = Math.max(headers.retryAfterMs ?? 0, d.retryAfterMs)
            }
            headers.policies.push(l.policy)
            if (d.remaining !== undefined) headers.states.push(rateLimitItem(l.name, d.remaining, d.resetMs))
          }
        })

        const stats = rc.stats
        if (failed) {
          stats.counter('rate_limit.error')
          rc.flags.add('RLSE')
        }
        if (shadowOver) stats.counter('rate_limit.shadow_over_limit')
        const deny = over || (failed && failureMode === 'deny')
        if (deny) for (const d of decisions) if (d.kind === 'ok') d.refund?.()
        if (over) {
          stats.counter('rate_limit.over_limit')
          rc.flags.add('RL')
          const h = new Headers()
          if (headerMode !== 'off') appendLimitHeaders(h, headers)
          else appendLimitHeaders(h, { policies: [], states: [], ...(headers.retryAfterMs === undefined ? {} : { retryAfterMs: headers.retryAfterMs }) })
          const refused = state.decisions.filter((d) => d.kind === 'over' && !d.shadow).map((d) => d.name)
          return problem(
            {
              code: 'ERR_RATE_LIMITED',
              detail: `rate limit ${refused.map((n) => `"${n}"`).join(', ')} exceeded; retry after the Retry-After delay.`,
              requestId: rc.requestId,
              status: config.rate_limited_status,
              headers: h,
              extra: { limits: refused },
            },
            RATE_LIMIT_ERRORS
          )
        }
        if (deny)
          return problem(
            {
              code: 'ERR_RATE_LIMIT_SERVICE',
              detail: 'the rate limit service could not be consulted and this route refuses requests then (failure_mode: deny).',
              requestId: rc.requestId,
              status: config.status_on_error,
            },
            RATE_LIMIT_ERRORS
          )
        if (failed) stats.counter('rate_limit.failure_mode_allowed')
        stats.counter('rate_limit.ok')
        return undefined
      }

      return {
        onRequest: rateLimit,
        onResponse: function rateLimitHeaders(rc, response) {
          const state = rc.state.rate_limit
          if (headerMode !== 'always' || !state || !state.headers.policies.length || response.status === 101) return undefined
          appendLimitHeaders(response.headers, { policies: state.headers.policies, states: state.headers.states })
          return undefined
        },
      }
    },
  })
}

/** The registered `rate_limit` filter (this isolate's state). */
export const rateLimitFilter = createRateLimitFilter()
