/** ext_authz through the real gateway: the real authz service, a real echo upstream. */
import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, upstreams } from '../../support/gateway.ts'
import { authz, onlyRecord, uniquePath } from './_authz.ts'
import { captureLog } from '../../support/expect-log.ts'

const table = (extAuthz: Record<string, unknown>) => ({
  gateway: { refresh_interval: '1s' },
  http_filters: [{ name: 'ext_authz', config: extAuthz }],
  clusters: [
    { name: 'echo', endpoints: [{ url: upstreams().echo[0] }] },
    { name: 'authz', endpoints: [{ url: authz() }] },
  ],
  virtual_hosts: [{ name: 'api', domains: ['*'], routes: [{ name: 'all', match: { prefix: '/' }, forward: { cluster: 'echo' } }] }],
})

describe('ext_authz through the gateway', () => {
  it('allows: the upstream gets the whole body and the allowed headers from the service', async () => {
    await publish(table({ url: authz(), with_request_body: { max_request_bytes: 1024 }, allowed_upstream_headers: ['x-authz-user', 'x-legate-consumer'] }))
    const path = uniquePath()
    const res = await makeGateway().fetch(path, { method: 'POST', body: '{"order":1}', headers: { 'content-type': 'application/json', 'x-legate-consumer': 'forged' } })
    expect(res.status).toBe(200)
    const echo = await echoOf(res)
    expect(echo.body).toBe('{"order":1}')
    expect(echo.headers['x-authz-user']).toBe('alice')
    expect(echo.headers['x-legate-consumer']).toBe('from-authz')
    const seen = await onlyRecord(path)
    expect(seen.body).toBe('{"order":1}')
    expect(seen.headers['x-legate-consumer']).toBeUndefined()
  })

  it('with a partial body, the service gets the first bytes and the upstream all of them', async () => {
    await publish(table({ url: authz(), with_request_body: { max_request_bytes: 10, allow_partial_message: true } }))
    const path = uniquePath()
    const body = 'abcdefghij'.repeat(10_000)
    const res = await makeGateway().fetch(path, { method: 'PUT', body })
    const echo = await echoOf(res)
    expect(echo.bodyBytes).toBe(100_000)
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)))
    expect(echo.bodySha256).toBe([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''))
    const seen = await onlyRecord(path)
    expect(seen.body).toBe('abcdefghij')
    expect(seen.headers['x-envoy-auth-partial-body']).toBe('true')
  })

  it('denies with the service answer and the UAEX flag; the upstream is never called', async () => {
    await publish(table({ url: authz() }))
    const res = await makeGateway().fetch(`${uniquePath()}?authz=deny-401`, { headers: { 'x-upstream-behavior': 'status=500' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('x-legate-response-flags')).toBe('UAEX')
    expect(await res.json()).toEqual({ denied: true, reason: 'policy' })
  })

  it('reaches the service through a configured cluster', async () => {
    await publish(table({ cluster: 'authz', path_prefix: '/via-cluster' }))
    const path = uniquePath()
    expect((await makeGateway().fetch(path)).status).toBe(200)
    expect((await onlyRecord(path)).url).toBe(`/via-cluster${path}`)
  })

  it('a table naming an unknown cluster is refused as a whole (the last good version keeps serving)', async () => {
    const log = captureLog()
    await publish(table({ url: authz() }))
    const gw = makeGateway()
    expect((await gw.fetchAndSettle(uniquePath())).status).toBe(200)
    await publish(table({ cluster: 'nope' }))
    gw.clock.now += 2_000
    await gw.fetchAndSettle(uniquePath())
    const status = gw.gateway.store.status()
    expect(status.last_error?.message).toContain('unknown cluster "nope"')
    expect(status.update_rejected).toBe(1)
    expect((await gw.fetch(uniquePath())).status).toBe(200)
    expect(log.msgs()).toEqual(['config rejected'])
  })
})
