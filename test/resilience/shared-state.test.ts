import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { Env } from '../../src/env.ts'
import { clusterStatus } from '../../src/upstream/isolate/status.ts'
import { makeGateway, publish, type TestGateway, upstreams } from '../support/gateway.ts'
import { behave, counter, newKey, table, testEnv } from './helpers.ts'
import { captureLog } from '../support/expect-log.ts'

const SYNC_NOW = { snapshot_ttl: '0s', report_interval: '0s' }
const outlier = { outlier_detection: { consecutive_5xx: 3, max_ejection_percent: 50 } }

/** An env whose ClusterHealth binding misbehaves: `report` hangs forever, or throws. */
function envWith(report: () => Promise<never>): Env {
  return { ...testEnv, CLUSTER_HEALTH: { getByName: () => ({ report, retire: report }) } } as unknown as Env
}
const hanging = envWith(() => new Promise<never>(() => {}))
const broken = envWith(() => Promise.reject(new Error('object overloaded')))

async function fetchWith(gw: TestGateway, env: Env, behavior = ''): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await gw.gateway.fetch(new Request('http://gw.test/x', behave(behavior)), env, ctx)
  if (env !== hanging) await waitOnExecutionContext(ctx)
  return res
}
const statusOf = async (gw: TestGateway) => clusterStatus((await gw.gateway.store.current(testEnv.CONFIG, () => {}))!.clusters, gw.clock.now).clusters[0]!

describe('shared state without awaiting the Durable Object', () => {
  it('answers while the object never replies: the request path does not await it', async () => {
    const key = newKey()
    const name = `s-${key}`
    await publish(table(upstreams().echo, { name, cluster: { ...outlier, state_sync: SYNC_NOW } }))
    const gw = makeGateway()
    const deadline = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2000))
    for (let i = 0; i < 3; i++) {
      const res = await Promise.race([fetchWith(gw, hanging), deadline])
      expect(res).not.toBe('hung')
      expect((res as Response).status).toBe(200)
    }
    // One call started, still in flight: later requests do not pile more on it.
    expect(counter(gw, `cluster.${name}.health_sync.calls`)).toBe(1)
  })

  it('fails open on the last known state when the object is unreachable, keeps the outcomes, and counts it', async () => {
    const log = captureLog()
    const key = newKey()
    const name = `s-${key}`
    await publish(table(upstreams().echo, { name, cluster: { ...outlier, state_sync: SYNC_NOW } }))
    const first = makeGateway()
    for (let i = 0; i < 9; i++) await first.fetchAndSettle('/x', behave(`status=503;on=echo-b;key=${key}`))
    const second = makeGateway()
    second.clock.now = first.clock.now
    await second.fetchAndSettle('/x') // learns the shared ejection of echo-b

    const servers: string[] = []
    for (let i = 0; i < 4; i++) servers.push((await fetchWith(second, broken)).headers.get('x-upstream')!)
    expect(servers).not.toContain('echo-b')
    expect(counter(second, `cluster.${name}.health_sync.failure`)).toBe(4)
    const status = await statusOf(second)
    expect(status.shared_state).toMatchObject({ failures: 4, pending_outcomes: 4, last_error: expect.stringContaining('object overloaded') })
    expect(status.endpoints[1]!.ejection).toMatchObject({ source: 'shared' })

    // Reachable again: the kept outcomes go out with the next report.
    await second.fetchAndSettle('/x')
    expect((await statusOf(second)).shared_state).toMatchObject({ pending_outcomes: 0, last_error: null })
    expect(log.msgs()).toEqual(Array(4).fill('cluster health unreachable, failing open'))
  })

  it('calls the object at most once per snapshot_ttl / report_interval per isolate (countable for benchmarks)', async () => {
    const name = `s-${newKey()}`
    await publish(table(upstreams().echo, { name, cluster: { ...outlier, failure_rate_breaker: {}, state_sync: { snapshot_ttl: '1s', report_interval: '1s' } } }))
    const gw = makeGateway()
    for (let i = 0; i < 20; i++) await gw.fetchAndSettle('/x')
    expect(counter(gw, `cluster.${name}.health_sync.calls`)).toBe(1)
    gw.clock.now += 1_000
    for (let i = 0; i < 20; i++) await gw.fetchAndSettle('/x')
    expect(counter(gw, `cluster.${name}.health_sync.calls`)).toBe(2)
    expect(counter(gw, `cluster.${name}.upstream_rq_total`)).toBe(40)
  })

  it('never calls the object for a cluster without shared features', async () => {
    await publish(table(upstreams().echo, { name: 'plain', forward: { retry_policy: { retry_on: '5xx' } } }))
    const gw = makeGateway()
    for (let i = 0; i < 3; i++) await gw.fetchAndSettle('/x')
    expect(counter(gw, 'cluster.plain.health_sync.calls')).toBe(0)
    expect((await statusOf(gw)).shared_state).toBeNull()
  })
})
