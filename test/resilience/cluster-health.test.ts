import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ClusterSpec } from '../../src/upstream/shared/shared-health.ts'
import { outlierDetection } from '../../src/upstream/schema.ts'
import { newKey, testEnv } from './helpers.ts'

const spec = (name: string): ClusterSpec => ({
  name,
  endpoints: [{ key: 'a:1', url: 'http://a:1' }, { key: 'b:1', url: 'http://b:1' }],
  outlier: outlierDetection.parse({ consecutive_5xx: 2, max_ejection_percent: 50 }),
})
const T = Date.parse('2026-11-26T12:00:00Z')
const failures = (i: number, n: number) => Array.from({ length: n }, () => [i, 503, 5, T]).flat()

describe('ClusterHealth Durable Object', () => {
  it('refuses a malformed report with a result object, not an exception', async () => {
    const stub = testEnv.CLUSTER_HEALTH.getByName(`d-${newKey()}`)
    const bad = await stub.report({ version: 1, spec: '{}', now: T, outcomes: [1, 2, 3] })
    expect(bad).toMatchObject({ ok: false, code: 'ERR_BAD_REPORT' })
    const notSpec = await stub.report({ version: 1, spec: '{"name":"x"}', now: T, outcomes: [] })
    expect(notSpec).toMatchObject({ ok: false, code: 'ERR_BAD_REPORT', message: 'spec is not a cluster spec' })
  })

  it('keeps ejections in SQLite across a restart of the object', async () => {
    const name = `d-${newKey()}`
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    const res = await stub.report({ version: 1, spec: JSON.stringify(spec(name)), now: T, outcomes: failures(1, 2) })
    expect(res.ok && res.snapshot.endpoints[1]!.reason).toBe('consecutive_5xx')
    const rows = await runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ key: string; reason: string }>("SELECT key, json_extract(state, '$.outlier.reason') AS reason FROM endpoint_state ORDER BY position").toArray())
    expect(rows).toEqual([{ key: 'a:1', reason: '' }, { key: 'b:1', reason: 'consecutive_5xx' }])
    await abortAllDurableObjects()
    const after = (await testEnv.CLUSTER_HEALTH.getByName(name).snapshot(T)).snapshot
    expect(after.endpoints[1]).toMatchObject({ reason: 'consecutive_5xx', ejectedUntil: T + 30_000 })
  })

  it('once retired by a version, ignores reports from older versions and revives for newer ones', async () => {
    const name = `d-${newKey()}`
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    const body = JSON.stringify(spec(name))
    await stub.report({ version: 3, spec: body, now: T, outcomes: failures(1, 2) })
    expect(await stub.retire(4)).toEqual({ ok: true })
    expect(await stub.retire(4)).toEqual({ ok: true })
    const stale = await stub.report({ version: 3, spec: body, now: T, outcomes: failures(0, 2) })
    expect(stale.ok && stale.snapshot.endpoints).toEqual([])
    const revived = await stub.report({ version: 5, spec: body, now: T, outcomes: [] })
    expect(revived.ok && revived.snapshot.endpoints.map((e) => e.reason)).toEqual(['', ''])
  })

  it('has no alarm without health checks', async () => {
    const name = `d-${newKey()}`
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    await stub.report({ version: 1, spec: JSON.stringify(spec(name)), now: T, outcomes: [] })
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull()
  })
})
