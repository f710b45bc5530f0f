import { describe, expect, it } from 'vitest'
import { clusterStatus } from '../../src/upstream/isolate/status.ts'
import { makeGateway, publish, type TestGateway, upstreams } from '../support/gateway.ts'
import { attemptsOf, behave, counter, newKey, problemOf, table, testEnv } from './helpers.ts'

const SYNC_NOW = { snapshot_ttl: '0s', report_interval: '0s' }
const outlier = (o: Record<string, unknown> = {}) => ({ outlier_detection: { consecutive_5xx: 3, max_ejection_percent: 50, ...o }, state_sync: SYNC_NOW })

async function sequence(gw: TestGateway, n: number, behavior: string): Promise<string[]> {
  const servers: string[] = []
  for (let i = 0; i < n; i++) servers.push((await gw.fetchAndSettle('/x', behave(behavior))).headers.get('x-upstream') ?? 'none')
  return servers
}
const liveClusters = async (gw: TestGateway) => (await gw.gateway.store.current(testEnv.CONFIG, () => {}))!.clusters

describe('outlier detection and panic mode', () => {
  it('ejects the endpoint that fails 3 times in a row, skips it, and returns it after base_ejection_time', async () => {
    const key = newKey()
    const name = `o-${key}`
    await publish(table(upstreams().echo, { name, cluster: outlier() }))
    const gw = makeGateway()
    const bad = `status=503;on=echo-b;key=${key}`
    // echo-b's 3rd failure ejects it; round robin then runs over echo-a and echo-c.
    expect(await sequence(gw, 12, bad)).toEqual(['echo-a', 'echo-b', 'echo-c', 'echo-a', 'echo-b', 'echo-c', 'echo-a', 'echo-b', 'echo-a', 'echo-c', 'echo-a', 'echo-c'])
    expect((await attemptsOf(key)).byServer['echo-b']).toBe(3)
    expect(counter(gw, `cluster.${name}.outlier_detection.ejections_enforced_consecutive_5xx`)).toBe(1)

    const status = clusterStatus(await liveClusters(gw), gw.clock.now).clusters[0]!
    expect(status.endpoints[1]).toMatchObject({ available: false, ejection: { reason: 'consecutive_5xx', remaining_ms: 30_000, times_ejected: 1 } })

    // The shared state has it too.
    const snap = (await testEnv.CLUSTER_HEALTH.getByName(name).snapshot(gw.clock.now)).snapshot
    expect(snap.endpoints.map((e) => e.reason)).toEqual(['', 'consecutive_5xx', ''])

    gw.clock.now += 30_000
    expect(await sequence(gw, 3, bad)).toContain('echo-b')
  })

  it('shares ejections with other isolates through the Durable Object', async () => {
    const key = newKey()
    const name = `o-${key}`
    await publish(table(upstreams().echo, { name, cluster: outlier() }))
    const first = makeGateway()
    await sequence(first, 9, `status=503;on=echo-b;key=${key}`)
    // A new isolate: its first request has no snapshot yet (it goes to echo-a), then it knows.
    const second = makeGateway()
    second.clock.now = first.clock.now
    const key2 = newKey()
    await sequence(second, 6, `key=${key2}`)
    expect((await attemptsOf(key2)).byServer).toEqual({ 'echo-a': 4, 'echo-c': 2 })
    const status = clusterStatus(await liveClusters(second), second.clock.now).clusters[0]!
    expect(status.endpoints[1]!.ejection).toMatchObject({ source: 'shared', reason: 'consecutive_5xx' })
  })

  it('never ejects more than max_ejection_percent', async () => {
    const key = newKey()
    const name = `o-${key}`
    await publish(table(upstreams().echo, { name, cluster: outlier({ consecutive_5xx: 1, max_ejection_percent: 34 }) }))
    const gw = makeGateway()
    await sequence(gw, 6, `status=503;key=${key}`)
    expect(clusterStatus(await liveClusters(gw), gw.clock.now).clusters[0]!.endpoints.filter((e) => e.ejection).length).toBe(1)
    expect(counter(gw, `cluster.${name}.outlier_detection.ejections_overflow`)).toBeGreaterThan(0)
  })

  it('balances across every endpoint when fewer than healthy_panic_threshold % are available (panic)', async () => {
    const key = newKey()
    const name = `o-${key}`
    const { echo } = upstreams()
    await publish(table([echo[0], echo[1]], { name, cluster: outlier({ consecutive_5xx: 1, max_ejection_percent: 100 }) }))
    const gw = makeGateway()
    // a fails: ejected (50% left, not below 50%); b fails: ejected, 0% left: panic, both get traffic.
    expect(await sequence(gw, 2, `status=503;key=${key}`)).toEqual(['echo-a', 'echo-b'])
    expect((await sequence(gw, 4, `status=503;key=${key}`)).sort()).toEqual(['echo-a', 'echo-a', 'echo-b', 'echo-b'])
    expect(counter(gw, `cluster.${name}.lb_healthy_panic`)).toBe(4)
    expect(clusterStatus(await liveClusters(gw), gw.clock.now).clusters[0]!.panic).toBe(true)
  })

  it('answers 503 UH without calling any endpoint when none is healthy and panic is off', async () => {
    const key = newKey()
    const name = `o-${key}`
    const { echo } = upstreams()
    await publish(table([echo[0], echo[1]], { name, cluster: { ...outlier({ consecutive_5xx: 1, max_ejection_percent: 100 }), healthy_panic_threshold: 0 } }))
    const gw = makeGateway()
    await sequence(gw, 2, `status=503;key=${key}`)
    const res = await gw.fetchAndSettle('/x', behave(`key=${key}`))
    expect(res.status).toBe(503)
    expect(res.headers.get('x-legate-response-flags')).toBe('UH')
    expect((await problemOf(res)).code).toBe('ERR_NO_HEALTHY_UPSTREAM')
    expect((await attemptsOf(key)).attempts).toBe(2)
    expect(counter(gw, `cluster.${name}.upstream_cx_none_healthy`)).toBe(1)
  })

  it('retries on the endpoints that are still in rotation', async () => {
    const key = newKey()
    const name = `o-${key}`
    const retry_policy = { retry_on: '5xx', num_retries: 2, retry_back_off: { base_interval: '1ms' } }
    await publish(table(upstreams().echo, { name, cluster: outlier({ consecutive_5xx: 1 }), forward: { retry_policy } }))
    const gw = makeGateway()
    const res = await gw.fetchAndSettle('/x', behave(`status=503;on=echo-a;key=${key}`))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-b')
    expect((await attemptsOf(key)).byServer).toEqual({ 'echo-a': 1, 'echo-b': 1 })
  })
})
