/**
 * @module Per-cluster state as JSON for the admin API (`GET /__legate/clusters`): endpoints with what each cluster
 * feature shows of them (health, ejections), the features' own views (the shared breaker), in-flight counts against
 * the thresholds, the counters, and how fresh the shared snapshot is. Read-only and synchronous: what this isolate
 * knows.
 */
import type { Merged } from '../features/index.ts'
import { type ClusterRuntime, endpointLabel } from './cluster.ts'

export type EndpointStatus = {
  address: string
  weight: number
  /** Attempts in flight from this isolate. */
  active_requests: number
  /** Load balancing may pick it now (ignoring panic mode). */
  available: boolean
} & Merged<'endpointStatus'>

export type ClusterStatus = ClusterStatusCore & Merged<'status'>

interface ClusterStatusCore {
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
  const endpoints = rt.endpoints.map((e) => {
    const shot = snap?.endpoints.find((x) => x.key === e.key)
    const out: Record<string, unknown> = { address: endpointLabel(e), weight: e.weight, active_requests: st.active[e.index]! }
    rt.features.forEach((f, k) => f.status?.endpoint && Object.assign(out, f.status.endpoint(rt, rt.configs[k], e, shot, now)))
    out['available'] = rt.out(e.index, now) === 0
    return out as EndpointStatus
  })
  const available = endpoints.filter((e) => e.available).length
  const counters: Record<string, number> = { ...st.counters }
  for (const [k, v] of Object.entries(snap?.counters ?? {})) counters[`shared.${k}`] = v
  const l = rt.limits
  const status: Record<string, unknown> = {
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
  }
  rt.features.forEach((f, k) => f.status?.cluster && Object.assign(status, f.status.cluster(rt, rt.configs[k], now)))
  status['shared_state'] = rt.shared
    ? {
        snapshot_age_ms: Number.isFinite(sv.fetchedAt) && snap ? now - sv.fetchedAt : null,
        calls: sv.calls,
        failures: sv.failures,
        dropped_outcomes: sv.dropped,
        pending_outcomes: sv.outbox.length / 4,
        last_error: sv.lastError,
      }
    : null
  status['counters'] = counters
  return status as unknown as ClusterStatus
}
