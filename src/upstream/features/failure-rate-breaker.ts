/** @module Cluster feature `failure_rate_breaker`: a resilience4j breaker shared by every isolate through the cluster's Durable Object. */
import * as z from 'zod'
import { percent, positiveCount, positiveDuration } from '../../config/primitives.ts'
import { problem } from '../../http/problem.ts'
import { advanceBreaker, type BreakerState, breakerRates, createBreakerState, effectivePhase, recordCall } from '../shared/breaker.ts'
import { defineFeature } from '../feature.ts'
import type { ClusterRuntime } from '../isolate/cluster.ts'
import type { RequestContext } from '../../context.ts'
import { isFailure } from '../request/retry.ts'

/** resilience4j CircuitBreakerConfig (its defaults), shared through the cluster's Durable Object. */
export const failureRateBreaker = z.strictObject({
  /** COUNT_BASED: the last N calls; TIME_BASED: the calls of the last N seconds. @default COUNT_BASED */
  sliding_window_type: z.enum(['COUNT_BASED', 'TIME_BASED']).default('COUNT_BASED'),
  /** N calls or N seconds. @default 100 */
  sliding_window_size: positiveCount.max(10_000).default(100),
  /** No decision before this many calls in the window. @default 100 */
  minimum_calls: positiveCount.default(100),
  /** Opens when the failure % (5xx, resets, timeouts) is ≥ this. @default 50 */
  failure_rate_threshold: percent.default(50),
  /** A call at least this long is slow. @default 60s */
  slow_call_duration: positiveDuration.default(60_000),
  /** Opens when the slow-call % is ≥ this. @default 100 */
  slow_call_rate_threshold: percent.default(100),
  /** Open for this long, then half-open. @default 60s */
  wait_duration_in_open: positiveDuration.default(60_000),
  /** Calls let through while half-open (per isolate); their failure rate closes or re-opens the breaker. @default 10 */
  permitted_calls_in_half_open: positiveCount.default(10),
})
export type FailureRateBreakerConfig = z.output<typeof failureRateBreaker>

/** The breaker as the snapshot carries it. */
export type BreakerSnapshot = Pick<BreakerState, 'phase' | 'openedAt' | 'openUntil' | 'epoch'> & { calls: number; failureRate: number; slowRate: number }

export interface BreakerTypes {
  config: FailureRateBreakerConfig
  spec: { breaker?: FailureRateBreakerConfig }
  cluster: { breaker: BreakerState }
  snapshot: { breaker: BreakerSnapshot }
  local: { halfOpen: { epoch: number; used: number } }
  status: { failure_rate_breaker: null | { state: string; failure_rate: number; slow_call_rate: number; calls: number; remaining_open_ms: number } }
}

const REJECTED = 'circuit_breakers.failure_rate.rejected'

function breakerReply(rc: RequestContext, rt: ClusterRuntime, detail: string, retryAfterMs?: number): Response {
  rc.stats.counter(rt.stat.of(REJECTED))
  rt.state.count(REJECTED)
  return problem({
    code: 'ERR_CIRCUIT_OPEN',
    detail,
    requestId: rc.requestId,
    ...(retryAfterMs !== undefined ? { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } } : {}),
  })
}

/** From the cached snapshot: open fails fast, half-open lets `permitted_calls_in_half_open` through per isolate. */
function admit(rt: ClusterRuntime, c: FailureRateBreakerConfig, rc: RequestContext, now: number): Response | undefined {
  const st = rt.state
  const b = st.shared.snapshot?.breaker
  if (!b) return undefined
  const phase = effectivePhase(b, now)
  if (phase === 'open')
    return breakerReply(rc, rt, `the failure-rate circuit breaker of cluster "${rt.name}" is open (failure rate ${b.failureRate.toFixed(0)}%); the upstream was not called.`, b.openUntil - now)
  if (phase === 'half_open') {
    // An open breaker whose wait is over is half-open one epoch later, before the object says so.
    const epoch = b.phase === 'open' ? b.epoch + 1 : b.epoch
    if (st.halfOpen.epoch !== epoch) st.halfOpen = { epoch, used: 0 }
    if (st.halfOpen.used >= c.permitted_calls_in_half_open)
      return breakerReply(rc, rt, `the failure-rate circuit breaker of cluster "${rt.name}" is half-open and its trial calls are taken; the upstream was not called.`)
    st.halfOpen.used++
  }
  return undefined
}

export const failureRateBreakerFeature = defineFeature<BreakerTypes>()({
  name: 'failure_rate_breaker',
  fields: {
    /** A failure-rate breaker shared by every isolate (resilience4j semantics). Off unless set. */
    failure_rate_breaker: failureRateBreaker.optional(),
  },
  key: 'failure_rate_breaker',
  stats: ['circuit_breakers.failure_rate.open', 'circuit_breakers.failure_rate.half_open', 'circuit_breakers.failure_rate.closed', REJECTED],
  shared: {
    specKey: 'breaker',
    cluster: () => ({ breaker: createBreakerState() }),
    restart: (before, after) => JSON.stringify(before) !== JSON.stringify(after),
    outcomes: true,
    record(ctx, _i, code, ms, at) {
      const c = ctx.config
      const moved = recordCall(ctx.cluster.breaker, c, { at, failed: isFailure(code), slow: ms >= c.slow_call_duration })
      if (moved) ctx.count(`circuit_breakers.failure_rate.${moved}`)
    },
    tick(ctx, now) {
      if (advanceBreaker(ctx.cluster.breaker, now)) ctx.count('circuit_breakers.failure_rate.half_open')
    },
    view(ctx, now) {
      const b = ctx.cluster.breaker
      const rates = ctx.config ? breakerRates(b, ctx.config, now) : { calls: 0, failureRate: -1, slowRate: -1 }
      return { breaker: { phase: b.phase, openedAt: b.openedAt, openUntil: b.openUntil, epoch: b.epoch, ...rates } }
    },
  },
  isolate: {
    local: () => ({ halfOpen: { epoch: -1, used: 0 } }),
    setup: (rt, c) => (c ? { admit: (rc, now) => admit(rt, c, rc, now) } : {}),
  },
  status: {
    cluster(rt, c, now) {
      const b = rt.state.shared.snapshot?.breaker
      if (!c) return { failure_rate_breaker: null }
      return {
        failure_rate_breaker: {
          state: b ? effectivePhase(b, now) : 'closed',
          failure_rate: b?.failureRate ?? -1,
          slow_call_rate: b?.slowRate ?? -1,
          calls: b?.calls ?? 0,
          remaining_open_ms: b && effectivePhase(b, now) === 'open' ? b.openUntil - now : 0,
        },
      }
    },
  },
})
