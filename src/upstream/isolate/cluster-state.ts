/**
 * @module The mutable, per-isolate state of a cluster: in-flight counts for the circuit-breaker thresholds and
 * the retry budget, local outlier bookkeeping, half-open permits, and the cached shared snapshot with the outbox
 * of outcomes to report. It outlives config versions: a push that keeps a cluster's endpoints keeps its state.
 */
import { createOutlierStates, type EndpointOutlier } from '../shared/outlier.ts'
import type { HealthSnapshot } from '../shared/shared-health.ts'

/** Outcomes waiting to be reported are capped (oldest dropped, counted) while the object is unreachable. */
export const OUTBOX_LIMIT = 4 * 2000

/** The last shared snapshot, turned into arrays by endpoint index. */
export interface SharedView {
  snapshot: HealthSnapshot | undefined
  /** Isolate clock time of the last successful sync; -Infinity before the first. */
  fetchedAt: number
  inFlight: boolean
  /** Active health check verdict (1 healthy). Endpoints start healthy. */
  healthy: Uint8Array
  ejectedUntil: Float64Array
  reasons: string[]
  unejectSeq: Int32Array
  /** `[endpointIndex, code, ms, at]` quadruples not yet reported. */
  outbox: number[]
  outboxSince: number
  calls: number
  failures: number
  dropped: number
  lastError: string | null
}

export class ClusterState {
  /** Attempts in flight per endpoint, until their response headers (least_request reads it). */
  readonly active: Int32Array
  /** Requests admitted and not finished, waiting before their first byte goes upstream, retries in flight. */
  rqActive = 0
  rqPending = 0
  retriesActive = 0
  readonly outlier: EndpointOutlier[]
  lastSweepAt = 0
  /** Bumped whenever endpoint availability may have changed. */
  version = 0
  /** Half-open permits used in this isolate, for one breaker epoch. */
  halfOpen = { epoch: -1, used: 0 }
  readonly shared: SharedView
  /** Counters shown by the status page (the same events also go to rc.stats). */
  readonly counters: Record<string, number> = {}

  constructor(n: number) {
    this.active = new Int32Array(n)
    this.outlier = createOutlierStates(n)
    this.shared = {
      snapshot: undefined,
      fetchedAt: -Infinity,
      inFlight: false,
      healthy: new Uint8Array(n).fill(1),
      ejectedUntil: new Float64Array(n),
      reasons: new Array<string>(n).fill(''),
      unejectSeq: new Int32Array(n),
      outbox: [],
      outboxSince: 0,
      calls: 0,
      failures: 0,
      dropped: 0,
      lastError: null,
    }
  }

  count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n
  }
}
