/**
 * Validating a table touches nothing live (issue 12 §2): a trial compile (validateConfig, the admin API, the CLI)
 * gets no previous snapshot, so it cannot queue a live cluster for retirement nor replace the state that the
 * next version's compile carries over.
 */
import { describe, expect, it } from 'vitest'
import { createConfigStore } from '../../src/snapshot/store.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import { clusterStatus } from '../../src/upstream/isolate/status.ts'
import { auth } from '../admin/_helpers.ts'
import { behave, newKey, testEnv } from '../resilience/helpers.ts'
import { makeGateway, publish, type TestGateway, upstreams } from '../support/gateway.ts'

const SYNC_NOW = { snapshot_ttl: '0s', report_interval: '0s' }
const T = Date.parse('2026-11-26T12:00:00Z')

/** Cluster `x` (outlier detection: shared state in its Durable Object) and cluster `other`; `/` forwards to `x`. */
function live(x: string) {
  return {
    gateway: { refresh_interval: '1h' },
    clusters: [
      { name: x, endpoints: upstreams().echo.map((url) => ({ url })), outlier_detection: { consecutive_5xx: 3, max_ejection_percent: 50 }, state_sync: SYNC_NOW },
      { name: 'other', endpoints: [{ url: upstreams().echo[0] }], outlier_detection: { consecutive_5xx: 3 } },
    ],
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, forward: { cluster: x } }] }],
  }
}

/** The same table without `x`; with `dangling`, also a jwt_authn provider whose cluster does not exist. */
function withoutX(dangling = false) {
  return {
    ...(dangling ? { http_filters: [{ name: 'jwt_authn', config: { providers: { idp: { remote_jwks: { cluster: 'ghost', path: '/jwks' } } } } }] } : {}),
    clusters: [{ name: 'other', endpoints: [{ url: upstreams().echo[0] }], outlier_detection: { consecutive_5xx: 3 } }],
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, forward: { cluster: 'other' } }] }],
  }
}

/** What this isolate believes about cluster `x`'s endpoints: its own ejections and the shared ones it cached. */
async function isolateView(gw: TestGateway, x: string) {
  const rt = (await gw.gateway.store.current(testEnv.CONFIG, () => {}))!.clusters.get(x)!
  const local = clusterStatus(new Map([[x, rt]]), gw.clock.now).clusters[0]!.endpoints.map((e) => e.ejection?.reason ?? null)
  return { local, shared: [...rt.state.shared.ejectedUntil], reasons: [...rt.state.shared.reasons] }
}

describe('validation is pure', () => {
  it('a trial compile of a table without a live cluster neither retires it nor drops the state the next push carries', async () => {
    const filters = createRegistry()
    const store = createConfigStore(filters, () => T)
    const x = `x-${newKey()}`
    await publish(live(x))
    await store.refresh(testEnv.CONFIG)
    const first = (await store.current(testEnv.CONFIG, () => {}))!
    const rt = first.clusters.get(x)!
    for (let i = 0; i < 3; i++) rt.recordLocal(1, 503, T)
    expect(rt.state.outlier[1]!.ejectedUntil).toBeGreaterThan(T)

    expect(validateConfig(withoutX(), filters)).toMatchObject({ ok: true })
    expect(validateConfig(withoutX(true), filters)).toMatchObject({ ok: false })
    expect(rt.retired).toEqual([])

    // The next version keeps x's endpoints: it carries x's isolate state from the live snapshot, not from a trial.
    await publish({ ...live(x), gateway: { refresh_interval: '2h' } })
    await store.refresh(testEnv.CONFIG)
    const second = (await store.current(testEnv.CONFIG, () => {}))!
    expect(second.version).toBe(first.version + 1)
    expect(second.clusters.get(x)!.state).toBe(rt.state)
    expect(second.clusters.get('other')!.state).toBe(first.clusters.get('other')!.state)
    expect(second.clusters.get(x)!.retired).toEqual([])
  })

  it('a refused admin PUT of a table without a live cluster leaves its shared state alone for the traffic that follows', async () => {
    const key = newKey()
    const x = `x-${key}`
    await publish(live(x))
    const gw = makeGateway()
    for (let i = 0; i < 9; i++) await gw.fetchAndSettle('/x', behave(`status=503;on=echo-b;key=${key}`))
    const stub = testEnv.CLUSTER_HEALTH.getByName(x)
    const before = (await stub.snapshot(gw.clock.now)).snapshot
    const ejected = before.endpoints.filter((e) => e.reason === 'consecutive_5xx')
    expect(ejected).toHaveLength(1)
    const seen = await isolateView(gw, x)
    expect(seen.reasons.filter((r) => r === 'consecutive_5xx')).toHaveLength(1)

    const put = await gw.fetchAndSettle('/__legate/config', { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(withoutX(true)) })
    expect(put.status).toBe(400)
    const { issues } = (await put.json()) as { issues: { path: string }[] }
    expect(issues.map((i) => i.path)).toEqual(['http_filters[0].config.providers.idp.remote_jwks.cluster'])

    for (let i = 0; i < 3; i++) expect((await gw.fetchAndSettle('/x')).status).toBe(200)
    const after = (await stub.snapshot(gw.clock.now)).snapshot
    expect(after.version).toBe(before.version)
    expect(after.endpoints.filter((e) => e.reason === 'consecutive_5xx')).toEqual([{ ...ejected[0]!, reason: 'consecutive_5xx' }])
    expect(await isolateView(gw, x)).toEqual(seen)
    expect(gw.gateway.store.status().live_version).toBe(before.version)
  })
})
