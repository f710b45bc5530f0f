/**
 * @module What every finished attempt leaves behind: Envoy cluster stats, the cluster features' local bookkeeping
 * (outlier ejections), and the outcome queued for the shared state when a feature folds outcomes there.
 * Only real upstream outcomes get here; local replies and attempts the gateway cancelled itself never do.
 */
import type { Stats } from '../../observability/stats.ts'
import type { AttemptEnd } from './attempt.ts'
import type { ClusterRuntime } from '../isolate/cluster.ts'
import { queueOutcome } from '../isolate/health-snapshot.ts'
import { TIMEOUT } from './retry.ts'

/** Records one attempt's outcome. `now` is the isolate clock. */
export function recordAttempt(rt: ClusterRuntime, stats: Stats, end: AttemptEnd, now: number): void {
  const { attempt } = end
  const names = rt.stat
  stats.counter(names.total)
  let code: number
  if (end.kind === 'response') {
    code = end.res.status
    stats.counter(names.code(code))
    stats.counter(names.klass(code))
    stats.histogram(names.time, attempt.ms)
  } else {
    code = end.code
    // Route timeouts are counted once per request by the caller (upstream_rq_timeout).
    if (end.cause === 'per_try_timeout') stats.counter(names.of('upstream_rq_per_try_timeout'))
    else if (code !== TIMEOUT) stats.counter(names.of('upstream_cx_connect_fail'))
  }
  rt.recordLocal(attempt.endpoint.index, code, now, stats)
  if (rt.reports) queueOutcome(rt, attempt.endpoint.index, code, attempt.ms, now)
}
