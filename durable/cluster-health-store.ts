/**
 * @module SQLite storage of the ClusterHealth object: a `meta` table (spec, version, and a `state` row with the
 * breaker, counters and clocks) and one
 * `endpoints` row per endpoint (health-check verdict and counts, outlier counts and ejection). Migrations are
 * numbered and idempotent; every query goes through `exec` with `?` bindings.
 */
import { createBreakerState } from '../src/upstream/breaker.ts'
import type { EjectionReason } from '../src/upstream/outlier.ts'
import { createSharedDoc, type EndpointShared, parseSpec, type SharedDoc } from '../src/upstream/shared-health.ts'

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS endpoints (
     key TEXT PRIMARY KEY, position INTEGER NOT NULL,
     healthy INTEGER NOT NULL, hc_successes INTEGER NOT NULL, hc_failures INTEGER NOT NULL, hc_last TEXT,
     uneject_seq INTEGER NOT NULL, consecutive_5xx INTEGER NOT NULL, consecutive_gateway INTEGER NOT NULL,
     interval_success INTEGER NOT NULL, interval_failure INTEGER NOT NULL,
     ejected_until INTEGER NOT NULL, ejected_at INTEGER NOT NULL, reason TEXT NOT NULL, times_ejected INTEGER NOT NULL)`,
]

/** A query failed; carries the statement. */
export class SqlError extends Error {
  override readonly name = 'SqlError'
  constructor(readonly query: string, cause: unknown) {
    super(`${(cause as Error)?.message ?? cause} (in: ${query.slice(0, 80)})`)
  }
}

function exec<Row extends Record<string, SqlStorageValue>>(sql: SqlStorage, query: string, ...params: SqlStorageValue[]) {
  try {
    return sql.exec<Row>(query, ...params)
  } catch (err) {
    throw new SqlError(query, err)
  }
}

/** Applies the migrations not applied yet (schema version in `meta`). */
export function migrate(sql: SqlStorage): void {
  exec(sql, 'CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)')
  const row = exec<{ v: string }>(sql, "SELECT v FROM meta WHERE k = 'schema_version'").toArray()[0]
  for (let v = Number(row?.v ?? 0); v < MIGRATIONS.length; v++) {
    exec(sql, MIGRATIONS[v]!)
    exec(sql, "INSERT OR REPLACE INTO meta (k, v) VALUES ('schema_version', ?)", String(v + 1))
  }
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
  const meta = new Map(exec<{ k: string; v: string }>(sql, 'SELECT k, v FROM meta').toArray().map((r) => [r.k, r.v]))
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
  doc.endpoints = exec<EndpointRow>(sql, 'SELECT * FROM endpoints ORDER BY position').toArray().map((r) => ({
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
