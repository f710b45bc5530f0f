/**
 * @module Admission before any upstream work: the cluster features' admission checks (the shared failure-rate
 * breaker, src/upstream/features/) and Envoy's `max_requests` threshold, per isolate. Rejections are 503 local
 * replies and never count as upstream outcomes.
 */
import type { RequestContext } from '../../context.ts'
import { problem } from '../../http/problem.ts'
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

/** A local reply when the request may not go upstream now; undefined when it may. */
export function admit(rc: RequestContext, rt: ClusterRuntime, now: number): Response | undefined {
  const gate = rt.admit
  if (gate) {
    const refused = gate(rc, now)
    if (refused) return refused
  }
  if (rt.state.rqActive >= rt.limits.max_requests) return overflowReply(rc, rt, 'max_requests')
  return undefined
}
