/**
 * @module The isolate side of shared cluster state. Requests never await the ClusterHealth Durable Object: they
 * read the cached snapshot, queue their outcomes, and when the snapshot is older than `snapshot_ttl` or the
 * outbox is due, one background call (`rc.waitUntil`) reports the outbox and brings back a fresh snapshot. If the
 * object cannot be reached, routing continues on the last known state (fail-open), and that is counted.
 */
import type { Env } from '../../env.ts'
import type { Stats } from '../../observability/stats.ts'
import type { ClusterRuntime } from './cluster.ts'
import { OUTBOX_LIMIT } from './cluster-state.ts'
import type { HealthSnapshot } from '../shared/shared-health.ts'

/** Outcomes buffered past this many are sent without waiting for `report_interval`. */
const EAGER_BATCH = 4 * 500

/** What a background sync needs from the request. */
export interface SyncContext {
  readonly env: Env
  readonly stats: Stats
  waitUntil(p: Promise<unknown>): void
}

/** Queues one attempt outcome for the shared state. */
export function queueOutcome(rt: ClusterRuntime, index: number, code: number, ms: number, at: number): void {
  const sv = rt.state.shared
  if (!sv.outbox.length) sv.outboxSince = at
  sv.outbox.push(index, code, ms, at)
  if (sv.outbox.length > OUTBOX_LIMIT) {
    sv.outbox.splice(0, 4)
    sv.dropped++
  }
}

/** Starts a background sync when one is due; returns at once. */
export function syncIfDue(rt: ClusterRuntime, ctx: SyncContext, now: number): void {
  const plan = rt.shared
  const sv = rt.state.shared
  if (!plan || sv.inFlight) return
  const stale = now - sv.fetchedAt >= plan.ttl
  if (!stale && !dueAgain(rt, now)) return
  sv.inFlight = true
  ctx.waitUntil(sync(rt, ctx, now))
}

async function sync(rt: ClusterRuntime, ctx: SyncContext, now: number): Promise<void> {
  const sv = rt.state.shared
  try {
    // Outcomes that arrived while a call was in flight go in the next call, if they are due by then.
    do await syncOnce(rt, ctx, now)
    while (sv.lastError === null && dueAgain(rt, now))
  } finally {
    sv.inFlight = false
  }
}

/** Outcomes are waiting and due: `report_interval` passed, or enough of them. */
function dueAgain(rt: ClusterRuntime, now: number): boolean {
  const sv = rt.state.shared
  const interval = rt.shared!.interval
  return sv.outbox.length > 0 && (interval === 0 || now - sv.outboxSince >= interval || sv.outbox.length >= EAGER_BATCH)
}

/** One report call; on failure keeps the outcomes and the last snapshot (fail-open). */
async function syncOnce(rt: ClusterRuntime, ctx: SyncContext, now: number): Promise<void> {
  const plan = rt.shared!
  const sv = rt.state.shared
  const outcomes = sv.outbox
  sv.outbox = []
  sv.calls++
  ctx.stats.counter(rt.stat.of('health_sync.calls'))
  try {
    const ns = ctx.env.CLUSTER_HEALTH
    if (!ns) throw new Error('the CLUSTER_HEALTH binding is missing')
    const res = await ns.getByName(rt.name).report({ version: rt.version, spec: plan.specJson, now, outcomes })
    if (!res.ok) throw new Error(`${res.code}: ${res.message}`)
    sv.lastError = null
    applySnapshot(rt, res.snapshot, now)
  } catch (err) {
    // Fail open: keep routing on the last snapshot, keep the outcomes for the next try (bounded).
    sv.failures++
    sv.lastError = (err as Error)?.message ?? String(err)
    ctx.stats.counter(rt.stat.of('health_sync.failure'))
    sv.outbox = outcomes.concat(sv.outbox)
    if (sv.outbox.length > OUTBOX_LIMIT) {
      const extra = sv.outbox.length - OUTBOX_LIMIT
      sv.outbox.splice(0, extra)
      sv.dropped += extra / 4
    }
    if (!sv.outboxSince) sv.outboxSince = now
    // Try again after the TTL rather than on every request.
    sv.fetchedAt = now
    console.warn(JSON.stringify({ level: 'warn', msg: 'cluster health unreachable, failing open', cluster: rt.name, error: sv.lastError }))
  }
}

/** Adopts a snapshot: each feature takes its fields of every endpoint (verdicts, shared ejections, un-ejections). */
export function applySnapshot(rt: ClusterRuntime, snap: HealthSnapshot, now: number): void {
  const sv = rt.state.shared
  const index = rt.shared?.indexByKey
  if (!index) return
  sv.snapshot = snap
  sv.fetchedAt = now
  let changed = false
  for (const e of snap.endpoints) {
    const i = index.get(e.key)
    if (i !== undefined) changed = rt.adopt(i, e) || changed
  }
  // Only a change rebuilds the balancer over the available endpoints (round robin keeps its place).
  if (changed) rt.state.version++
}

/**
 * Retires the Durable Objects of clusters that left the config, so their alarms stop. Background only; a failed
 * call is not repeated (an object nobody talks to stops its alarm by itself after a while). The object ignores
 * later reports from isolates still on an older version.
 */
export function retireClusters(retired: { name: string; version: number }[], ctx: SyncContext): void {
  const ns = ctx.env.CLUSTER_HEALTH
  if (!retired.length || !ns) return
  const batch = retired.splice(0)
  ctx.waitUntil(Promise.allSettled(batch.map((r) => ns.getByName(r.name).retire(r.version))))
}
