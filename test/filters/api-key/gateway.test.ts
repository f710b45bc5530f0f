/** api_key through the real gateway: keys in the real KV, the upstream a real echo server. */
import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, upstreams } from '../../support/gateway.ts'
import { storeKey } from './_keys.ts'

const table = () => ({
  gateway: { refresh_interval: '1s' },
  http_filters: [{ name: 'api_key', config: { query_param: 'key' } }],
  clusters: [{ name: 'echo', endpoints: [{ url: upstreams().echo[0] }] }],
  virtual_hosts: [
    {
      name: 'api',
      domains: ['*'],
      routes: [
        { name: 'admin', match: { prefix: '/admin' }, filters: { api_key: { required_scopes: ['admin'] } }, forward: { cluster: 'echo' } },
        { name: 'public', match: { prefix: '/public' }, filters: { api_key: false }, forward: { cluster: 'echo' } },
        { name: 'rest', match: { prefix: '/' }, forward: { cluster: 'echo' } },
      ],
    },
  ],
})

describe('api_key through the gateway', () => {
  it('forwards consumer and scopes, never the key, and replaces a forged consumer header', async () => {
    await publish(table())
    const key = await storeKey({ consumer: 'acme', scopes: ['orders:read'] })
    const res = await makeGateway().fetch('/orders?key=ignored&page=2', { headers: { 'x-api-key': key, 'x-legate-consumer': 'root' } })
    expect(res.status).toBe(200)
    const echo = await echoOf(res)
    expect(echo.url).toBe('/orders?page=2')
    expect(echo.headers['x-api-key']).toBeUndefined()
    expect(echo.headers['x-legate-consumer']).toBe('acme')
    expect(echo.headers['x-legate-scopes']).toBe('orders:read')
  })

  it('answers 401 with the flag header, and 403 on a route that requires a scope the key lacks', async () => {
    await publish(table())
    const gw = makeGateway()
    const missing = await gw.fetch('/orders')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('x-legate-response-flags')).toBe('UAEX')
    const key = await storeKey({ scopes: ['orders:read'] })
    const admin = await gw.fetch(`/admin/users?key=${key}`)
    expect(admin.status).toBe(403)
    expect(((await admin.json()) as { code: string }).code).toBe('ERR_API_KEY_FORBIDDEN')
    const adminKey = await storeKey({ scopes: ['admin'] })
    expect((await gw.fetch(`/admin/users?key=${adminKey}`)).status).toBe(200)
  })

  it('a route that disables the filter needs no key, and its upstream sees no consumer header', async () => {
    await publish(table())
    const res = await makeGateway().fetch('/public/x', { headers: { 'x-legate-consumer': 'root' } })
    expect(res.status).toBe(200)
    expect((await echoOf(res)).headers['x-legate-consumer']).toBeUndefined()
  })
})
