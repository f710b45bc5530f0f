/**
 * @module The mutable, per-isolate state of a cluster: in-flight counts for the circuit-breaker thresholds and
 * the retry budget, each cluster feature's own local state and arrays of the snapshot, and the cached shared
 * snapshot with the outbox of outcomes to report. It outlives config versions: a push that keeps a cluster's
 * endpoints keeps its state.
 */
import type { AnyFeature } from '../feature.ts'
import { CLUSTER_FEATURES, type Merged } from '../features/index.ts'
import type { HealthSnapshot } from '../shared/shared-health.ts'

/** Outcomes waiting to be reported are capped (oldest dropped, counted) while the object is unreachable. */
export const OUTBOX_LIMIT = 4 * 2000

/** The last shared snapshot, with every feature's arrays of it by endpoint index (`view` of its record). */
export type SharedView = {
  snapshot: HealthSnapshot | undefined
  /** Isolate clock time of the last successful sync; -Infinity before the first. */
  fetchedAt: number
  inFlight: boolean
  /** `[endpointIndex, code, ms, at]` quadruples not yet reported. */
  outbox: number[]
  outboxSince: number
  calls: number
  failures: number
  dropped: number
  lastError: string | null
} & Merged<'view'>

/** Every feature's per-isolate state (`local` of its record), as properties of the ClusterState. */
type LocalSlots = Merged<'local'>
/** Merged with the class below: the features' local state is set in its constructor. */
export interface ClusterState extends LocalSlots {}

export class ClusterState {
  /** Attempts in flight per endpoint, until their response headers (least_request reads it). */
  readonly active: Int32Array
  /** Requests admitted and not finished, waiting before their first byte goes upstream, retries in flight. */
  rqActive = 0
  rqPending = 0
  retriesActive = 0
  /** Bumped whenever endpoint availability may have changed. */
  version = 0
  readonly shared: SharedView
  /** Counters shown by the status page (the same events also go to rc.stats). */
  readonly counters: Record<string, number> = {}

  constructor(n: number, features: readonly AnyFeature[] = CLUSTER_FEATURES) {
    this.active = new Int32Array(n)
    const view = {
      snapshot: undefined,
      fetchedAt: -Infinity,
      inFlight: false,
      outbox: [],
      outboxSince: 0,
      calls: 0,
      failures: 0,
      dropped: 0,
      lastError: null,
    }
    for (const f of features) {
      if (f.isolate?.local) Object.assign(this, f.isolate.local(n))
      if (f.isolate?.view) Object.assign(view, f.isolate.view(n))
    }
    this.shared = view as unknown as SharedView
  }

  count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n
  }
}
