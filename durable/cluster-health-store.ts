/**
 * @module SQLite storage of the ClusterHealth object: a `meta` table (spec, version, and a `state` row with every
 * feature's per-cluster slots, the counters and the clock) and one `endpoint_state` row per endpoint holding every
 * feature's per-endpoint slots as JSON, keyed by slot name. A feature added later starts fresh in old rows.
 * Migrations are numbered and idempotent; every query goes through src/lib/sql.ts `exec` with `?` bindings.
 */
import { exec, migrate as migrateSql } from '../src/lib/sql.ts'
import { createClusterSlots, createEndpoint, createSharedDoc, parseSpec, type SharedDoc } from '../src/upstream/shared/shared-health.ts'

/** Version 1's fixed per-feature columns, read once by version 2 (and created empty if they never existed). */
const V1_ENDPOINTS = `CREATE TABLE IF NOT EXISTS endpoints (
     key TEXT PRIMARY KEY, position INTEGER NOT NULL,
     healthy INTEGER NOT NULL, hc_successes INTEGER NOT NULL, hc_failures INTEGER NOT NULL, hc_last TEXT,
     uneject_seq INTEGER NOT NULL, consecutive_5xx INTEGER NOT NULL, consecutive_gateway INTEGER NOT NULL,
     interval_success INTEGER NOT NULL, interval_failure INTEGER NOT NULL,
     ejected_until INTEGER NOT NULL, ejected_at INTEGER NOT NULL, reason TEXT NOT NULL, times_ejected INTEGER NOT NULL)`

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   ${V1_ENDPOINTS}`,
  // 2: per-feature JSON slots instead of columns; the version-1 rows carried over as the `health` and `outlier` slots.
  `CREATE TABLE IF NOT EXISTS endpoint_state (key TEXT PRIMARY KEY, position INTEGER NOT NULL, state TEXT NOT NULL);
   ${V1_ENDPOINTS};
   INSERT OR IGNORE INTO endpoint_state (key, position, state)
     SELECT key, position, json_object(
       'health', json_object('healthy', json(CASE healthy WHEN 1 THEN 'true' ELSE 'false' END), 'successes', hc_successes,
         'failures', hc_failures, 'last', CASE WHEN hc_last IS NULL OR hc_last IN ('timeout', 'network') THEN hc_last ELSE CAST(hc_last AS INTEGER) END,
         'unejectSeq', uneject_seq),
       'outlier', json_object('consecutive5xx', consecutive_5xx, 'consecutiveGateway', consecutive_gateway, 'success', interval_success,
         'failure', interval_failure, 'ejectedUntil', ejected_until, 'ejectedAt', ejected_at, 'reason', reason, 'timesEjected', times_ejected))
     FROM endpoints;
   DROP TABLE IF EXISTS endpoints`,
]

/** Applies the migrations not applied yet (src/lib/sql.ts, the one SQL helper of every Durable Object). */
export function migrate(sql: SqlStorage): void {
  migrateSql(sql, MIGRATIONS)
}

type State = { counters?: Record<string, number>; lastContact?: number; retiredVersion?: number } & Record<string, unknown>

export function loadDoc(sql: SqlStorage): SharedDoc {
  const doc = createSharedDoc()
  const meta = new Map(exec<{ k: string; v: string }>(sql, 'SELECT k, v FROM meta').map((r) => [r.k, r.v]))
  const state = (meta.has('state') ? JSON.parse(meta.get('state')!) : {}) as State
  doc.retiredVersion = state.retiredVersion ?? -1
  const spec = meta.get('spec')
  if (!spec) return doc
  doc.specJson = spec
  doc.spec = parseSpec(spec) ?? null
  doc.version = Number(meta.get('version') ?? -1)
  const slots = doc.cluster as Record<string, unknown>
  for (const k of Object.keys(createClusterSlots())) if (state[k] !== undefined) slots[k] = state[k]
  doc.counters = state.counters ?? {}
  doc.lastContact = state.lastContact ?? 0
  doc.endpoints = exec<{ key: string; state: string }>(sql, 'SELECT key, state FROM endpoint_state ORDER BY position').map((r) =>
    Object.assign(createEndpoint(r.key), JSON.parse(r.state) as object, { key: r.key })
  )
  return doc
}

/**
 * Writes the doc: the spec and the endpoint list only when the spec changed, then the state row and every
 * endpoint row (a cluster has few endpoints). The object's writes are coalesced into one transaction.
 */
export function saveDoc(sql: SqlStorage, doc: SharedDoc, specChanged: boolean): void {
  if (specChanged) {
    exec(sql, "INSERT OR REPLACE INTO meta (k, v) VALUES ('spec', ?), ('version', ?)", doc.specJson, String(doc.version))
    exec(sql, 'DELETE FROM endpoint_state')
  }
  const { cluster, counters, lastContact, retiredVersion } = doc
  exec(sql, "INSERT OR REPLACE INTO meta (k, v) VALUES ('state', ?)", JSON.stringify({ ...cluster, counters, lastContact, retiredVersion }))
  doc.endpoints.forEach(({ key, ...slots }, i) =>
    exec(sql, 'INSERT OR REPLACE INTO endpoint_state (key, position, state) VALUES (?, ?, ?)', key, i, JSON.stringify(slots))
  )
}
