/**
 * @module Admission before any upstream work: the shared failure-rate breaker (from the cached snapshot; open
 * fails fast, half-open lets `permitted_calls_in_half_open` through per isolate) and Envoy's `max_requests`
 * threshold, per isolate. Rejections are 503 local replies, flag UO, and never count as upstream outcomes.
 */
import type { RequestContext } from '../../context.ts'
import { problem } from '../../http/problem.ts'
import { effectivePhase } from '../shared/breaker.ts'
import type { ClusterRuntime } from '../isolate/cluster.ts'

/** 503 UO with `x-envoy-overloaded: true` for an Envoy threshold. */
export function overflowReply(rc: RequestContext, rt: ClusterRuntime, threshold: 'max_requests' | 'max_pending_requests'): Response {
  rc.stats.counter(rt.stat.of('upstream_rq_pending_overflow'))
  rt.state.count('upstream_rq_pending_overflow')
  return problem({
    code: 'ERR_UPSTREAM_OVERFLOW',
    detail: `cluster "${rt.name}" is at its ${threshold} circuit-breaker threshold (${rt.limits[threshold]}) in this isolate; try again shortly.`,
    requestId: rc.requestId,
    headers: { 'x-envoy-overloaded': 'true' },
  })
}

function breakerReply(rc: RequestContext, rt: ClusterRuntime, detail: string, retryAfterMs?: number): Response {
  rc.stats.counter(rt.stat.of('circuit_breakers.failure_rate.rejected'))
  rt.state.count('circuit_breakers.failure_rate.rejected')
  return problem({
    code: 'ERR_CIRCUIT_OPEN',
    detail,
    requestId: rc.requestId,
    ...(retryAfterMs !== undefined ? { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } } : {}),
  })
}

/** A local reply when the request may not go upstream now; undefined when it may. */
export function admit(rc: RequestContext, rt: ClusterRuntime, now: number): Response | undefined {
  const st = rt.state
  const b = rt.breaker && st.shared.snapshot?.breaker
  if (b) {
    const phase = effectivePhase(b, now)
    if (phase === 'open')
      return breakerReply(rc, rt, `the failure-rate circuit breaker of cluster "${rt.name}" is open (failure rate ${b.failureRate.toFixed(0)}%); the upstream was not called.`, b.openUntil - now)
    if (phase === 'half_open') {
      // An open breaker whose wait is over is half-open one epoch later, before the object says so.
      const epoch = b.phase === 'open' ? b.epoch + 1 : b.epoch
      if (st.halfOpen.epoch !== epoch) st.halfOpen = { epoch, used: 0 }
      if (st.halfOpen.used >= rt.breaker!.permitted_calls_in_half_open)
        return breakerReply(rc, rt, `the failure-rate circuit breaker of cluster "${rt.name}" is half-open and its trial calls are taken; the upstream was not called.`)
      st.halfOpen.used++
    }
  }
  if (st.rqActive >= rt.limits.max_requests) return overflowReply(rc, rt, 'max_requests')
  return undefined
}
