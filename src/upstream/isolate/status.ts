/**
 * @module Per-cluster state as JSON for the admin API (`GET /__legate/clusters`): endpoints with their health,
 * ejections (reason, source, time left), the breakers, in-flight counts against the thresholds, the retry and
 * overflow counters, and how fresh the shared snapshot is. Read-only and synchronous: what this isolate knows.
 */
import { effectivePhase } from '../shared/breaker.ts'
import { type ClusterRuntime, endpointLabel } from './cluster.ts'

export interface EndpointStatus {
  address: string
  weight: number
  /** Attempts in flight from this isolate. */
  active_requests: number
  /** Active health check verdict; `unknown` without checks or before the first snapshot. */
  health: 'healthy' | 'unhealthy' | 'unknown'
  last_check: number | string | null
  ejection: null | { reason: string; source: 'local' | 'shared'; since: string; until: string; remaining_ms: number; times_ejected: number }
  /** Load balancing may pick it now (ignoring panic mode). */
  available: boolean
}

export interface ClusterStatus {
  name: string
  config_version: number
  endpoints: EndpointStatus[]
  /** Below `healthy_panic_threshold`: balancing across every endpoint. */
  panic: boolean
  circuit_breakers: {
    max_requests: number
    max_pending_requests: number
    max_retries: number
    retry_budget: { budget_percent: number; min_retry_concurrency: number } | null
    rq_active: number
    rq_pending: number
    retries_active: number
  }
  failure_rate_breaker: null | { state: string; failure_rate: number; slow_call_rate: number; calls: number; remaining_open_ms: number }
  shared_state: null | {
    snapshot_age_ms: number | null
    calls: number
    failures: number
    dropped_outcomes: number
    pending_outcomes: number
    last_error: string | null
  }
  /** This isolate's counters (retries, overflows, ejections …) and the object's (`shared.` prefix). */
  counters: Record<string, number>
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The status of every cluster of a snapshot, as this isolate sees it.
 * @param clusters - `snapshot.clusters` of the live config.
 * @param now - the clock to compute time left with. @default Date.now()
 * @example app.get('/clusters', (c) => c.json(clusterStatus(snapshot.clusters)))
 */
export function clusterStatus(clusters: ReadonlyMap<string, ClusterRuntime>, now: number = Date.now()): { clusters: ClusterStatus[] } {
  return { clusters: [...clusters.values()].map((rt) => oneCluster(rt, now)) }
}

function oneCluster(rt: ClusterRuntime, now: number): ClusterStatus {
  const st = rt.state
  const sv = st.shared
  const snap = sv.snapshot
  const endpoints = rt.endpoints.map((e): EndpointStatus => {
    const i = e.index
    const local = st.outlier[i]!
    const sharedUntil = sv.ejectedUntil[i]!
    const source = local.ejectedUntil > now ? 'local' : sharedUntil > now ? 'shared' : null
    const shot = snap?.endpoints.find((x) => x.key === e.key)
    const until = source === 'local' ? local.ejectedUntil : sharedUntil
    return {
      address: endpointLabel(e),
      weight: e.weight,
      active_requests: st.active[i]!,
      health: !rt.healthCheck || !shot ? 'unknown' : sv.healthy[i] ? 'healthy' : 'unhealthy',
      last_check: shot?.last ?? null,
      ejection: source && {
        reason: source === 'local' ? local.reason : sv.reasons[i]!,
        source,
        since: iso(source === 'local' ? local.ejectedAt : (shot?.ejectedAt ?? now)),
        until: iso(until),
        remaining_ms: until - now,
        times_ejected: source === 'local' ? local.timesEjected : (shot?.timesEjected ?? 0),
      },
      available: sv.healthy[i] === 1 && source === null,
    }
  })
  const available = endpoints.filter((e) => e.available).length
  const counters: Record<string, number> = { ...st.counters }
  for (const [k, v] of Object.entries(snap?.counters ?? {})) counters[`shared.${k}`] = v
  const b = snap?.breaker
  const l = rt.limits
  return {
    name: rt.name,
    config_version: rt.version,
    endpoints,
    panic: rt.panicThreshold > 0 && available * 100 < rt.panicThreshold * endpoints.length,
    circuit_breakers: {
      max_requests: l.max_requests,
      max_pending_requests: l.max_pending_requests,
      max_retries: l.max_retries,
      retry_budget: l.retry_budget ?? null,
      rq_active: st.rqActive,
      rq_pending: st.rqPending,
      retries_active: st.retriesActive,
    },
    failure_rate_breaker: rt.breaker
      ? {
          state: b ? effectivePhase(b, now) : 'closed',
          failure_rate: b?.failureRate ?? -1,
          slow_call_rate: b?.slowRate ?? -1,
          calls: b?.calls ?? 0,
          remaining_open_ms: b && effectivePhase(b, now) === 'open' ? b.openUntil - now : 0,
        }
      : null,
    shared_state: rt.shared
      ? {
          snapshot_age_ms: Number.isFinite(sv.fetchedAt) && snap ? now - sv.fetchedAt : null,
          calls: sv.calls,
          failures: sv.failures,
          dropped_outcomes: sv.dropped,
          pending_outcomes: sv.outbox.length / 4,
          last_error: sv.lastError,
        }
      : null,
    counters,
  }
}
