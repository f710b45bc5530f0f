import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { POINTER_KEY, versionKey } from '../../src/config/store-keys.ts'
import { makeGateway, publish, testEnv } from '../support/gateway.ts'
import { captureLog } from '../support/expect-log.ts'

const hello = (body: string, refresh = '2s') => ({
  gateway: { refresh_interval: refresh },
  virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body } }] }],
})

const status = async (gw: ReturnType<typeof makeGateway>) => {
  const res = await gw.fetch('/__legate/status', { headers: { authorization: 'Bearer test-admin-token' } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { config: Record<string, any> }).config
}

describe('live config from KV', () => {
  it('serves from memory and only checks KV in the background once refresh_interval has passed', async () => {
    const first = await publish(hello('one'))
    const gw = makeGateway()
    expect(await (await gw.fetch('/hello')).text()).toBe('one')
    await publish(hello('two'))
    // Within the interval: still the old version, and no background refresh is started.
    gw.clock.now += 1_999
    expect(await (await gw.fetchAndSettle('/hello')).text()).toBe('one')
    // After the interval: this request is served from memory (old), its background refresh swaps in the new one.
    gw.clock.now += 1
    expect(await (await gw.fetchAndSettle('/hello')).text()).toBe('one')
    expect(await (await gw.fetch('/hello')).text()).toBe('two')
    expect((await status(gw)).live_version).toBe(first.version + 1)
  })

  it('refuses an invalid version, keeps serving the last good one and shows every error', async () => {
    const log = captureLog()
    const good = await publish(hello('good', '1s'))
    const gw = makeGateway()
    expect(await (await gw.fetch('/hello')).text()).toBe('good')
    await publish({
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'ghost' } }, { match: {} }] }],
    })
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/hello')
    const res = await gw.fetch('/hello')
    expect(await res.text()).toBe('good')
    const s = await status(gw)
    expect(s.live_version).toBe(good.version)
    expect(s.update_rejected).toBe(1)
    expect(s.last_error.version).toBe(good.version + 1)
    expect(s.last_error.kind).toBe('rejected')
    const paths = (s.last_error.issues as { path: string; message: string }[]).map((i) => i.path)
    expect(paths).toContain('virtual_hosts[0].routes[0].forward.cluster')
    expect(paths).toContain('virtual_hosts[0].routes[1]')
    // A refused version is not re-validated on every interval; the next good version is applied.
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/hello')
    expect((await status(gw)).update_rejected).toBe(1)
    await publish(hello('better', '1s'))
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/hello')
    expect(await (await gw.fetch('/hello')).text()).toBe('better')
    expect(log.msgs()).toEqual(['config rejected'])
  })

  it('treats a pointer to a missing body as unreadable and keeps serving', async () => {
    const log = captureLog()
    const good = await publish(hello('still here', '1s'))
    const gw = makeGateway()
    expect(await (await gw.fetch('/hello')).text()).toBe('still here')
    await testEnv.CONFIG.put(POINTER_KEY, JSON.stringify({ version: good.version + 5, sha256: 'x', pushed_at: '' }))
    gw.clock.now += 1_000
    await gw.fetchAndSettle('/hello')
    expect(await (await gw.fetch('/hello')).text()).toBe('still here')
    const s = await status(gw)
    expect(s.update_failure).toBe(1)
    expect(s.last_error.message).toContain(versionKey(good.version + 5))
    // Clean up for the next test in this file: put the pointer back.
    await env.CONFIG.put(POINTER_KEY, JSON.stringify(good))
    expect(log.msgs()).toEqual(['config unreadable'])
  })

  it('makes concurrent first requests share one KV load', async () => {
    await publish(hello('shared'))
    const gw = makeGateway()
    const bodies = await Promise.all([1, 2, 3, 4].map(() => gw.fetch('/hello').then((r) => r.text())))
    expect(bodies).toEqual(['shared', 'shared', 'shared', 'shared'])
    expect((await status(gw)).update_attempt).toBe(1)
  })

  it('keeps the admin API closed without the token, and off (404) with no token configured', async () => {
    await publish(hello('x'))
    const gw = makeGateway()
    const noAuth = await gw.fetch('/__legate/status')
    expect(noAuth.status).toBe(401)
    expect(noAuth.headers.get('www-authenticate')).toContain('Bearer')
    const wrong = await gw.fetch('/__legate/status', { headers: { authorization: 'Bearer test-admin-tokem' } })
    expect(wrong.status).toBe(401)
    const off = await gw.gateway.fetch(new Request('http://gw.test/__legate/status'), { ...testEnv, ADMIN_TOKEN: '' }, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext)
    expect(off.status).toBe(404)
  })
})
