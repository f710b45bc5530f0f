/**
 * @module Active health-check math (Envoy HealthCheck semantics), pure: what a probe result does to an
 * endpoint's state, and when the next round is due. Endpoints start healthy (traffic is not held back until the
 * first round); `unhealthy_threshold` failures in a row mark one unhealthy, `healthy_threshold` passes in a row
 * bring it back. A status that is neither expected nor retriable fails it at once.
 */
import type { Random } from '../request/backoff.ts'
import type { HealthCheckConfig } from '../schema.ts'

export interface EndpointHealth {
  healthy: boolean
  /** Passes and failures in a row. */
  successes: number
  failures: number
  /** Last probe: a status, "timeout" or "network". */
  last: number | 'timeout' | 'network' | null
  /** Increases each time a passing check un-ejects the endpoint, so isolates drop their local ejection too. */
  unejectSeq: number
}

export type ProbeResult = { kind: 'status'; status: number } | { kind: 'timeout' } | { kind: 'network' }

export function createEndpointHealth(): EndpointHealth {
  return { healthy: true, successes: 0, failures: 0, last: null, unejectSeq: 0 }
}

type Ranges = HealthCheckConfig['expected_statuses']
const inRanges = (status: number, ranges: Ranges) => ranges.some((r) => status >= r.start && status < r.end)

/**
 * Applies one probe result. Returns `pass` when the probe passed (the caller may un-eject the endpoint), and
 * the transition when health changed.
 */
export function applyProbe(
  h: EndpointHealth,
  r: ProbeResult,
  c: HealthCheckConfig
): { pass: boolean; changed?: 'healthy' | 'unhealthy' } {
  h.last = r.kind === 'status' ? r.status : r.kind
  const pass = r.kind === 'status' && inRanges(r.status, c.expected_statuses)
  if (pass) {
    h.failures = 0
    h.successes++
    if (!h.healthy && h.successes >= c.healthy_threshold) {
      h.healthy = true
      return { pass, changed: 'healthy' }
    }
    return { pass }
  }
  h.successes = 0
  h.failures++
  const immediate = r.kind === 'status' && !inRanges(r.status, c.retriable_statuses)
  if (h.healthy && (immediate || h.failures >= c.unhealthy_threshold)) {
    h.healthy = false
    return { pass, changed: 'unhealthy' }
  }
  return { pass }
}

/** Milliseconds until the next round: the interval plus its jitter. */
export function nextProbeDelay(c: HealthCheckConfig, random: Random): number {
  return Math.round(c.interval + random() * c.interval_jitter + random() * ((c.interval * c.interval_jitter_percent) / 100))
}
