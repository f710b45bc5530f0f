import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { clusterStatus } from '../../src/upstream/isolate/status.ts'
import { makeGateway, publish, type TestGateway, upstreams } from '../support/gateway.ts'
import { attemptsOf, behave, newKey, setHealth, table, testEnv } from './helpers.ts'

const SYNC_NOW = { snapshot_ttl: '0s', report_interval: '0s' }
const checks = (key: string, o: Record<string, unknown> = {}) => ({
  health_check: { path: `/__upstream/health/${key}`, timeout: '200ms', interval: '60s', unhealthy_threshold: 1, healthy_threshold: 1, ...o },
  state_sync: SYNC_NOW,
})

async function servers(gw: TestGateway, n: number, behavior = ''): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push((await gw.fetchAndSettle('/x', behave(behavior))).headers.get('x-upstream') ?? 'none')
  return out
}
const alarmOf = (name: string) => runInDurableObject(testEnv.CLUSTER_HEALTH.getByName(name), (_, state) => state.storage.getAlarm())

describe('active health checks (ClusterHealth alarm)', () => {
  it('probes every endpoint on the alarm, routes around a failing one, and brings it back when it passes', async () => {
    const key = newKey()
    const name = `h-${key}`
    await publish(table(upstreams().echo, { name, cluster: checks(key) }))
    const gw = makeGateway()
    await gw.fetchAndSettle('/x') // the object learns the cluster and arms its alarm
    expect(await alarmOf(name)).not.toBeNull()

    await setHealth(key, 503, 'echo-b')
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await attemptsOf(key)).probes).toEqual({ 'echo-a': 1, 'echo-b': 1, 'echo-c': 1 })
    const snap = (await stub.snapshot()).snapshot
    expect(snap.endpoints.map((e) => [e.healthy, e.last])).toEqual([[true, 200], [false, 503], [true, 200]])
    expect(snap.counters).toMatchObject({ 'health_check.attempt': 3, 'health_check.success': 2, 'health_check.failure': 1 })
    // The alarm re-armed itself for the next round.
    expect(await alarmOf(name)).not.toBeNull()

    await gw.fetchAndSettle('/x') // picks up the snapshot in the background
    expect(await servers(gw, 6)).not.toContain('echo-b')
    const status = clusterStatus((await gw.gateway.store.current(testEnv.CONFIG, () => {}))!.clusters, gw.clock.now).clusters[0]!
    expect(status.endpoints.map((e) => e.health)).toEqual(['healthy', 'unhealthy', 'healthy'])

    await setHealth(key, 200, 'echo-b')
    await runDurableObjectAlarm(stub)
    await gw.fetchAndSettle('/x')
    expect(await servers(gw, 6)).toContain('echo-b')
  })

  it('marks an endpoint that does not answer within the timeout unhealthy after unhealthy_threshold rounds', async () => {
    const key = newKey()
    const name = `h-${key}`
    const { echo, refused } = upstreams()
    await publish(table([echo[0], refused], { name, cluster: checks(key, { unhealthy_threshold: 2 }) }))
    const gw = makeGateway()
    await gw.fetchAndSettle('/x')
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    await runDurableObjectAlarm(stub)
    expect((await stub.snapshot()).snapshot.endpoints[1]).toMatchObject({ healthy: true, last: 'network' })
    await runDurableObjectAlarm(stub)
    expect((await stub.snapshot()).snapshot.endpoints[1]).toMatchObject({ healthy: false, last: 'network' })
  })

  it('a passing check returns an ejected endpoint at once (successful_active_health_check_uneject_host)', async () => {
    const key = newKey()
    const name = `h-${key}`
    const cluster = { ...checks(key), outlier_detection: { consecutive_5xx: 2, max_ejection_percent: 50 } }
    await publish(table(upstreams().echo, { name, cluster }))
    const gw = makeGateway()
    await servers(gw, 6, `status=503;on=echo-b;key=${key}`)
    expect(await servers(gw, 4)).not.toContain('echo-b')
    await runDurableObjectAlarm(testEnv.CLUSTER_HEALTH.getByName(name))
    await gw.fetchAndSettle('/x')
    // Well before base_ejection_time (30 s): the passing check un-ejected it, here and in the object.
    expect(await servers(gw, 3)).toContain('echo-b')
  })

  it('keeps health across a config push that keeps the endpoints, in the object and in the isolate', async () => {
    const key = newKey()
    const name = `h-${key}`
    const t = table(upstreams().echo, { name, cluster: checks(key) })
    await publish({ ...t, gateway: { refresh_interval: '1s' } })
    const gw = makeGateway()
    await gw.fetchAndSettle('/x')
    await setHealth(key, 503, 'echo-c')
    await runDurableObjectAlarm(testEnv.CLUSTER_HEALTH.getByName(name))
    await gw.fetchAndSettle('/x')

    const next = table(upstreams().echo, { name, cluster: { ...checks(key), lb_policy: 'random' }, forward: { timeout: '5s' } })
    await publish({ ...next, gateway: { refresh_interval: '1s' } })
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/x') // the new version loads in the background
    const live = (await gw.gateway.store.current(testEnv.CONFIG, () => {}))!
    expect(live.version).toBeGreaterThan(1)
    // No sync needed: the isolate state came along with the cluster.
    expect(clusterStatus(live.clusters, gw.clock.now).clusters[0]!.endpoints[2]!.health).toBe('unhealthy')
    expect((await testEnv.CLUSTER_HEALTH.getByName(name).snapshot()).snapshot.endpoints[2]!.healthy).toBe(false)
  })

  it('keeps the state of the endpoints that stay when the endpoint list changes', async () => {
    const key = newKey()
    const name = `h-${key}`
    const { echo } = upstreams()
    await publish({ ...table(echo, { name, cluster: checks(key) }), gateway: { refresh_interval: '1s' } })
    const gw = makeGateway()
    await gw.fetchAndSettle('/x')
    await setHealth(key, 503, 'echo-c')
    await runDurableObjectAlarm(testEnv.CLUSTER_HEALTH.getByName(name))
    await publish({ ...table([echo[2], echo[0]], { name, cluster: checks(key) }), gateway: { refresh_interval: '1s' } })
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/x')
    await gw.fetchAndSettle('/x')
    const snap = (await testEnv.CLUSTER_HEALTH.getByName(name).snapshot()).snapshot
    expect(snap.endpoints.map((e) => e.healthy)).toEqual([false, true])
    expect(await servers(gw, 3)).toEqual(['echo-a', 'echo-a', 'echo-a'])
  })

  it('stops the alarm of a cluster that left the config', async () => {
    const key = newKey()
    const name = `h-${key}`
    const { echo } = upstreams()
    const t = table(echo, { name, cluster: checks(key) })
    await publish({ ...t, gateway: { refresh_interval: '1s' } })
    const gw = makeGateway()
    await gw.fetchAndSettle('/x')
    expect(await alarmOf(name)).not.toBeNull()

    await publish({ ...table(echo, { name: `other-${key}` }), gateway: { refresh_interval: '1s' } })
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/x') // loads the new version
    await gw.fetchAndSettle('/x') // the first request on it retires the removed cluster's object
    expect(await alarmOf(name)).toBeNull()
    expect(await runDurableObjectAlarm(testEnv.CLUSTER_HEALTH.getByName(name))).toBe(false)
  })

  it('stops checking when no isolate has reported for 15 minutes, and starts again with traffic', async () => {
    const key = newKey()
    const name = `h-${key}`
    await publish(table(upstreams().echo, { name, cluster: checks(key) }))
    const gw = makeGateway()
    await gw.fetchAndSettle('/x')
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    // Pretend the last report came 16 minutes ago (the object's own clock), then restart it from storage.
    await runInDurableObject(stub, (_, state) => {
      const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one()
      const saved = JSON.parse(row.v) as { lastContact: number }
      saved.lastContact = Date.now() - 16 * 60_000
      state.storage.sql.exec("UPDATE meta SET v = ? WHERE k = 'state'", JSON.stringify(saved))
    })
    await abortAllDurableObjects()
    expect(await runDurableObjectAlarm(testEnv.CLUSTER_HEALTH.getByName(name))).toBe(true)
    expect((await attemptsOf(key)).probes).toEqual({})
    expect(await alarmOf(name)).toBeNull()
    await gw.fetchAndSettle('/x')
    expect(await alarmOf(name)).not.toBeNull()
  })
})
