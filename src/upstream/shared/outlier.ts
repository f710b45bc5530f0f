/**
 * @module Outlier detection math (Envoy OutlierDetection), pure, over plain per-endpoint records. Isolates run
 * it on their own outcomes (acting at once on local evidence); the ClusterHealth Durable Object runs it on the
 * outcomes every isolate reports. Consecutive-failure ejections happen inline; failure-percentage and
 * success-rate ejections at each `interval` sweep, which also decays the ejection multiplier.
 */
import type { Random } from '../request/backoff.ts'
import type { OutlierDetectionConfig } from '../schema.ts'
import { isFailure, isGatewayFailure, type OutcomeCode } from '../request/retry.ts'

export type EjectionReason = 'consecutive_5xx' | 'consecutive_gateway_failure' | 'failure_percentage' | 'success_rate'

export interface EndpointOutlier {
  consecutive5xx: number
  consecutiveGateway: number
  /** Outcomes in the current interval. */
  success: number
  failure: number
  /** Ejected while `now < ejectedUntil`; 0 when in rotation. */
  ejectedUntil: number
  ejectedAt: number
  reason: EjectionReason | ''
  /** The ejection-time multiplier: +1 per ejection, −1 per interval in rotation. */
  timesEjected: number
}

/** What a record or sweep decided, for stats: `ejected` (enforced), `detected` (not enforced), `overflow`. */
export interface OutlierEvent {
  index: number
  kind: 'ejected' | 'detected' | 'overflow'
  reason: EjectionReason
}

export function createOutlierStates(n: number): EndpointOutlier[] {
  return Array.from({ length: n }, () => ({
    consecutive5xx: 0,
    consecutiveGateway: 0,
    success: 0,
    failure: 0,
    ejectedUntil: 0,
    ejectedAt: 0,
    reason: '',
    timesEjected: 0,
  }))
}

export const isEjected = (s: EndpointOutlier, now: number) => s.ejectedUntil > now

function activeEjections(states: readonly EndpointOutlier[], now: number): number {
  let n = 0
  for (const s of states) if (isEjected(s, now)) n++
  return n
}

/**
 * Ejects endpoint `i` if enforcement (a percentage, drawn with `random`) and `max_ejection_percent` allow it.
 * @param ejectedNow - counts the endpoints already out of rotation (defaults to this state's own ejections);
 *   isolates pass their merged local + shared view. Called only when a decision is made.
 */
export function eject(
  states: EndpointOutlier[],
  i: number,
  reason: EjectionReason,
  enforcing: number,
  now: number,
  c: OutlierDetectionConfig,
  random: Random,
  ejectedNow: () => number = () => activeEjections(states, now)
): OutlierEvent {
  const s = states[i]!
  if (!(random() * 100 < enforcing)) return { index: i, kind: 'detected', reason }
  const active = ejectedNow()
  const allowed = ((active + 1) * 100) / states.length <= c.max_ejection_percent || (c.always_eject_one_host && active === 0)
  if (!allowed) return { index: i, kind: 'overflow', reason }
  s.timesEjected++
  s.ejectedAt = now
  s.ejectedUntil = now + Math.min(c.base_ejection_time * s.timesEjected, Math.max(c.max_ejection_time, c.base_ejection_time))
  s.reason = reason
  return { index: i, kind: 'ejected', reason }
}

/** Records one outcome of endpoint `i`; consecutive-failure ejections happen here. */
export function recordOutlier(
  states: EndpointOutlier[],
  i: number,
  code: OutcomeCode,
  now: number,
  c: OutlierDetectionConfig,
  random: Random,
  ejectedNow?: () => number
): OutlierEvent | undefined {
  const s = states[i]
  if (!s) return undefined
  if (!isFailure(code)) {
    s.success++
    s.consecutive5xx = 0
    s.consecutiveGateway = 0
    return undefined
  }
  s.failure++
  s.consecutive5xx++
  if (isGatewayFailure(code)) s.consecutiveGateway++
  else s.consecutiveGateway = 0
  if (isEjected(s, now)) return undefined
  // Counters restart after a decision, so a new streak is needed for the next one (Envoy).
  if (s.consecutive5xx >= c.consecutive_5xx) {
    s.consecutive5xx = 0
    s.consecutiveGateway = 0
    return eject(states, i, 'consecutive_5xx', c.enforcing_consecutive_5xx, now, c, random, ejectedNow)
  }
  if (s.consecutiveGateway >= c.consecutive_gateway_failure) {
    s.consecutiveGateway = 0
    const event = eject(states, i, 'consecutive_gateway_failure', c.enforcing_consecutive_gateway_failure, now, c, random, ejectedNow)
    if (event.kind === 'ejected') s.consecutive5xx = 0
    return event
  }
  return undefined
}

/**
 * One `interval` sweep: failure-percentage and success-rate ejections over the interval's counts, then the
 * multiplier decays by `intervals` for endpoints in rotation, and the counts restart.
 * @param intervals - whole intervals elapsed since the last sweep (≥ 1).
 */
export function sweepOutliers(
  states: EndpointOutlier[],
  now: number,
  c: OutlierDetectionConfig,
  random: Random,
  intervals = 1
): OutlierEvent[] {
  const events: OutlierEvent[] = []
  const volume = (s: EndpointOutlier) => s.success + s.failure
  const fpHosts = states.filter((s) => volume(s) >= c.failure_percentage_request_volume)
  if (fpHosts.length >= c.failure_percentage_minimum_hosts && fpHosts.length > 0)
    states.forEach((s, i) => {
      if (isEjected(s, now) || volume(s) < c.failure_percentage_request_volume) return
      if ((s.failure * 100) / volume(s) >= c.failure_percentage_threshold)
        events.push(eject(states, i, 'failure_percentage', c.enforcing_failure_percentage, now, c, random))
    })
  const srHosts = states.filter((s) => volume(s) >= c.success_rate_request_volume)
  if (srHosts.length >= c.success_rate_minimum_hosts && srHosts.length > 0) {
    const rates = srHosts.map((s) => (s.success * 100) / volume(s))
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length
    const stdev = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length)
    const threshold = mean - stdev * (c.success_rate_stdev_factor / 1000)
    states.forEach((s, i) => {
      if (isEjected(s, now) || volume(s) < c.success_rate_request_volume) return
      if ((s.success * 100) / volume(s) < threshold)
        events.push(eject(states, i, 'success_rate', c.enforcing_success_rate, now, c, random))
    })
  }
  for (const s of states) {
    if (!isEjected(s, now)) s.timesEjected = Math.max(0, s.timesEjected - intervals)
    s.success = 0
    s.failure = 0
  }
  return events
}

/** Returns an endpoint to rotation (a passing active health check). */
export function unejectEndpoint(s: EndpointOutlier): void {
  s.ejectedUntil = 0
  s.reason = ''
  s.consecutive5xx = 0
  s.consecutiveGateway = 0
}
