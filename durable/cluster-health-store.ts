/**
 * @module SQLite storage of the ClusterHealth object: a `meta` table (spec, version, and a `state` row with the
 * breaker, counters and clocks) and one
 * `endpoints` row per endpoint (health-check verdict and counts, outlier counts and ejection). Migrations are
 * numbered and idempotent; every query goes through src/lib/sql.ts `exec` with `?` bindings. (Objects created
 * before it kept their schema version in `meta`; the first migration is idempotent, so they simply re-run it.)
 */
import { exec, migrate as migrateSql } from '../src/lib/sql.ts'
import { createBreakerState } from '../src/upstream/shared/breaker.ts'
import type { EjectionReason } from '../src/upstream/shared/outlier.ts'
import { createSharedDoc, type EndpointShared, parseSpec, type SharedDoc } from '../src/upstream/shared/shared-health.ts'

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS endpoints (
     key TEXT PRIMARY KEY, position INTEGER NOT NULL,
     healthy INTEGER NOT NULL, hc_successes INTEGER NOT NULL, hc_failures INTEGER NOT NULL, hc_last TEXT,
     uneject_seq INTEGER NOT NULL, consecutive_5xx INTEGER NOT NULL, consecutive_gateway INTEGER NOT NULL,
     interval_success INTEGER NOT NULL, interval_failure INTEGER NOT NULL,
     ejected_until INTEGER NOT NULL, ejected_at INTEGER NOT NULL, reason TEXT NOT NULL, times_ejected INTEGER NOT NULL)`,
]

/** Applies the migrations not applied yet (src/lib/sql.ts, the one SQL helper of every Durable Object). */
export function migrate(sql: SqlStorage): void {
  migrateSql(sql, MIGRATIONS)
}

type EndpointRow = {
  key: string
  healthy: number
  hc_successes: number
  hc_failures: number
  hc_last: string | null
  uneject_seq: number
  consecutive_5xx: number
  consecutive_gateway: number
  interval_success: number
  interval_failure: number
  ejected_until: number
  ejected_at: number
  reason: string
  times_ejected: number
}

const lastOf = (v: string | null): EndpointShared['health']['last'] =>
  v === null ? null : v === 'timeout' || v === 'network' ? v : Number(v)

export function loadDoc(sql: SqlStorage): SharedDoc {
  const doc = createSharedDoc()
  const meta = new Map(exec<{ k: string; v: string }>(sql, 'SELECT k, v FROM meta').map((r) => [r.k, r.v]))
  const state = meta.has('state') ? (JSON.parse(meta.get('state')!) as Partial<SharedDoc>) : {}
  doc.retiredVersion = state.retiredVersion ?? -1
  const spec = meta.get('spec')
  if (!spec) return doc
  doc.specJson = spec
  doc.spec = parseSpec(spec) ?? null
  doc.version = Number(meta.get('version') ?? -1)
  doc.breaker = state.breaker ?? createBreakerState()
  doc.counters = state.counters ?? {}
  doc.lastSweepAt = state.lastSweepAt ?? 0
  doc.lastContact = state.lastContact ?? 0
  doc.endpoints = exec<EndpointRow>(sql, 'SELECT * FROM endpoints ORDER BY position').map((r) => ({
    key: r.key,
    health: { healthy: r.healthy === 1, successes: r.hc_successes, failures: r.hc_failures, last: lastOf(r.hc_last), unejectSeq: r.uneject_seq },
    outlier: {
      consecutive5xx: r.consecutive_5xx,
      consecutiveGateway: r.consecutive_gateway,
      success: r.interval_success,
      failure: r.interval_failure,
      ejectedUntil: r.ejected_until,
      ejectedAt: r.ejected_at,
      reason: r.reason as EjectionReason | '',
      timesEjected: r.times_ejected,
    },
  }))
  return doc
}

/**
 * Writes the doc: the spec and the endpoint list only when the spec changed, then the state row and every
 * endpoint row (a cluster has few endpoints). The object's writes are coalesced into one transaction.
 */
export function saveDoc(sql: SqlStorage, doc: SharedDoc, specChanged: boolean): void {
  if (specChanged) {
    exec(sql, "INSERT OR REPLACE INTO meta (k, v) VALUES ('spec', ?), ('version', ?)", doc.specJson, String(doc.version))
    exec(sql, 'DELETE FROM endpoints')
  }
  const { breaker, counters, lastSweepAt, lastContact, retiredVersion } = doc
  exec(sql, "INSERT OR REPLACE INTO meta (k, v) VALUES ('state', ?)", JSON.stringify({ breaker, counters, lastSweepAt, lastContact, retiredVersion }))
  doc.endpoints.forEach(({ key, health: h, outlier: o }, i) =>
    exec(
      sql,
      'INSERT OR REPLACE INTO endpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      key, i, h.healthy ? 1 : 0, h.successes, h.failures, h.last === null ? null : String(h.last), h.unejectSeq,
      o.consecutive5xx, o.consecutiveGateway, o.success, o.failure, o.ejectedUntil, o.ejectedAt, o.reason, o.timesEjected
    )
  )
}
