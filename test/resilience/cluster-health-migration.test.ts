/** ClusterHealth storage migration 2: an object written with version 1's fixed per-feature columns keeps its state. */
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { healthCheck, outlierDetection } from '../../src/upstream/schema.ts'
import { newKey, testEnv } from './helpers.ts'

const T = Date.parse('2026-11-26T12:00:00Z')

/** Rewrites the object's storage as version 1 left it: `endpoints` with one column per feature field. */
function writeVersion1(sql: SqlStorage, name: string) {
  const spec = {
    name,
    endpoints: [{ key: 'a:1', url: 'http://a:1' }, { key: 'b:1', url: 'http://b:1' }],
    outlier: outlierDetection.parse({ consecutive_5xx: 2, max_ejection_percent: 50 }),
    healthCheck: healthCheck.parse({ path: '/h', timeout: '1s', interval: '10s', unhealthy_threshold: 1, healthy_threshold: 1 }),
  }
  for (const q of ['DROP TABLE IF EXISTS endpoint_state', 'DROP TABLE IF EXISTS endpoints', 'DELETE FROM meta', 'DELETE FROM _schema', 'INSERT INTO _schema (version) VALUES (1)']) sql.exec(q)
  sql.exec(`CREATE TABLE endpoints (
     key TEXT PRIMARY KEY, position INTEGER NOT NULL,
     healthy INTEGER NOT NULL, hc_successes INTEGER NOT NULL, hc_failures INTEGER NOT NULL, hc_last TEXT,
     uneject_seq INTEGER NOT NULL, consecutive_5xx INTEGER NOT NULL, consecutive_gateway INTEGER NOT NULL,
     interval_success INTEGER NOT NULL, interval_failure INTEGER NOT NULL,
     ejected_until INTEGER NOT NULL, ejected_at INTEGER NOT NULL, reason TEXT NOT NULL, times_ejected INTEGER NOT NULL)`)
  sql.exec("INSERT INTO meta (k, v) VALUES ('spec', ?), ('version', '7'), ('state', ?)", JSON.stringify(spec), JSON.stringify({ counters: { 'health_check.attempt': 4 }, lastSweepAt: T, lastContact: 1, retiredVersion: -1 }))
  sql.exec('INSERT INTO endpoints VALUES (?, 0, 1, 3, 0, ?, 0, 0, 0, 5, 0, 0, 0, ?, 0)', 'a:1', '200', '')
  sql.exec('INSERT INTO endpoints VALUES (?, 1, 0, 0, 2, ?, 2, 1, 1, 2, 7, ?, ?, ?, 3)', 'b:1', 'timeout', T + 60_000, T, 'consecutive_5xx')
}

describe('ClusterHealth storage migration 2 (per-feature JSON slots)', () => {
  it('carries version 1 columns into the feature slots, and the object runs on them after a restart', async () => {
    const name = `m-${newKey()}`
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    await stub.snapshot(T)
    await runInDurableObject(stub, (_, state) => writeVersion1(state.storage.sql, name))
    await abortAllDurableObjects()

    const snap = (await testEnv.CLUSTER_HEALTH.getByName(name).snapshot(T)).snapshot
    expect(snap.version).toBe(7)
    expect(snap.counters).toEqual({ 'health_check.attempt': 4 })
    expect(snap.endpoints).toEqual([
      { key: 'a:1', healthy: true, last: 200, unejectSeq: 0, ejectedUntil: 0, ejectedAt: 0, reason: '', timesEjected: 0 },
      { key: 'b:1', healthy: false, last: 'timeout', unejectSeq: 2, ejectedUntil: T + 60_000, ejectedAt: T, reason: 'consecutive_5xx', timesEjected: 3 },
    ])
    const stored = await runInDurableObject(testEnv.CLUSTER_HEALTH.getByName(name), (_, state) => ({
      tables: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'endpoint%' ORDER BY name").toArray(),
      versions: state.storage.sql.exec<{ version: number }>('SELECT version FROM _schema ORDER BY version').toArray(),
      b: JSON.parse(state.storage.sql.exec<{ state: string }>("SELECT state FROM endpoint_state WHERE key = 'b:1'").one().state),
      spec: state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'spec'").one().v,
    }))
    expect(stored.tables).toEqual([{ name: 'endpoint_state' }])
    expect(stored.versions).toEqual([{ version: 1 }, { version: 2 }])
    expect(stored.b).toEqual({
      health: { healthy: false, successes: 0, failures: 2, last: 'timeout', unejectSeq: 2 },
      outlier: { consecutive5xx: 1, consecutiveGateway: 1, success: 2, failure: 7, ejectedUntil: T + 60_000, ejectedAt: T, reason: 'consecutive_5xx', timesEjected: 3 },
    })

    // The carried streak and multiplier keep counting: one more 503 on b is its second in a row, its fourth ejection.
    const res = await testEnv.CLUSTER_HEALTH.getByName(name).report({ version: 7, spec: stored.spec, now: T + 61_000, outcomes: [1, 503, 5, T + 61_000] })
    expect(res.ok && res.snapshot.endpoints[1]).toMatchObject({ reason: 'consecutive_5xx', ejectedUntil: T + 61_000 + 4 * 30_000, timesEjected: 4 })
  })
})
