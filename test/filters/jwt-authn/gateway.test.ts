/**
 * jwt_authn through the real gateway: config pushed to KV, JWKS fetched through a cluster from the JWKS server,
 * upstream an echo server. Providers are defined once in http_filters; routes override `requires`.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, upstreams } from '../../support/gateway.ts'
import { b64u, claims, makeKey, signHmac, type TestKey, token } from '../../support/jwt-keys.ts'
import { jwksHits, jwksOrigin, jwksPath, serveJwks, uniqueName } from '../../support/jwt-server.ts'
import { expectDenied } from './_helpers.ts'
import { captureLog } from '../../support/expect-log.ts'

let key: TestKey

beforeAll(async () => {
  key = await makeKey('RS256', 'gw-1')
})

async function table(requires: Record<string, unknown> = { provider: 'idp' }) {
  const name = uniqueName('gw')
  await serveJwks(name, { keys: [key.jwk] })
  const provider = {
    issuer: 'https://issuer.test',
    audiences: ['api'],
    remote_jwks: { cluster: 'idp', path: jwksPath(name) },
    forward_payload_header: 'x-jwt-payload',
    claim_to_headers: [{ header_name: 'x-user', claim_name: 'sub' }],
  }
  const forward = { cluster: 'echo' }
  await publish({
    gateway: { refresh_interval: '1s' },
    http_filters: [{ name: 'jwt_authn', config: { providers: { idp: provider }, requires } }],
    clusters: [
      { name: 'echo', endpoints: [{ url: upstreams().echo[0] }] },
      { name: 'idp', endpoints: [{ url: jwksOrigin() }] },
    ],
    virtual_hosts: [
      {
        name: 'api',
        domains: ['*'],
        routes: [
          { name: 'public', match: { prefix: '/public' }, filters: { jwt_authn: false }, forward },
          { name: 'orders-write', match: { prefix: '/orders', methods: ['POST'] }, filters: { jwt_authn: { requires: { provider: 'idp', scopes: ['orders:write'] } } }, forward },
          { name: 'optional', match: { prefix: '/optional' }, filters: { jwt_authn: { requires: { requires_any: [{ provider: 'idp' }, { allow_missing: true }] } } }, forward },
          { name: 'root', match: { prefix: '/' }, forward },
        ],
      },
    ],
  })
  return { name, gw: makeGateway() }
}

const auth = (t: string) => ({ headers: { authorization: `Bearer ${t}` } })

describe('jwt_authn through the gateway', () => {
  it('forwards a verified request without the token, with payload and claim headers', async () => {
    const { gw, name } = await table()
    const t = await token(key, { sub: 'alice' })
    const res = await gw.fetch('/things', auth(t))
    expect(res.status).toBe(200)
    const echo = await echoOf(res)
    expect(echo.headers.authorization).toBeUndefined()
    expect(echo.headers['x-user']).toBe('alice')
    expect(echo.headers['x-jwt-payload']).toBe(t.split('.')[1])
    expect(await jwksHits(name)).toBe(1)
  })

  it('answers 401 with WWW-Authenticate, problem+json and the request id when the token is missing', async () => {
    const { gw } = await table()
    const res = await gw.fetch('/things')
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const body = await expectDenied(res, 'missing', /^Bearer realm="gw\.test"$/)
    expect(body.request_id).toBe(res.headers.get('x-request-id'))
  })

  it('refuses alg none and RS256→HS256 confusion end to end', async () => {
    const { gw } = await table()
    const none = `${b64u('{"alg":"none"}')}.${b64u(JSON.stringify(claims()))}.`
    const confused = await signHmac(new TextEncoder().encode(JSON.stringify(key.jwk)), claims(), { alg: 'HS256', kid: 'gw-1' })
    await expectDenied(await gw.fetch('/things', auth(none)), 'malformed')
    await expectDenied(await gw.fetch('/things', auth(confused)), 'algorithm')
  })

  it('refuses two Authorization lines rather than taking the first', async () => {
    const { gw } = await table()
    const t = await token(key)
    const headers = new Headers([
      ['authorization', `Bearer ${t}`],
      ['authorization', `Bearer ${t}`],
    ])
    await expectDenied(await gw.fetch('/things', { headers }), 'malformed')
  })

  it('enforces per-route requirements from route overrides, with providers defined once', async () => {
    const { gw, name } = await table()
    await expectDenied(await gw.fetch('/orders', { method: 'POST', ...auth(await token(key)) }), 'scope', /scope="orders:write"/)
    expect((await gw.fetch('/orders', { method: 'POST', ...auth(await token(key, { scope: 'orders:write' })) })).status).toBe(200)
    expect((await gw.fetch('/public/x')).status).toBe(200)
    const optional = await gw.fetch('/optional', { headers: { 'x-user': 'admin', 'x-jwt-payload': 'forged' } })
    const echo = await echoOf(optional)
    expect([echo.headers['x-user'], echo.headers['x-jwt-payload']]).toEqual([undefined, undefined])
    expect(await jwksHits(name)).toBe(1) // every route shares the provider's JWKS cache
  })

  it('refetches the JWKS for an unknown kid at most once per cooldown (gateway clock)', async () => {
    const { gw, name } = await table()
    expect((await gw.fetch('/things', auth(await token(key)))).status).toBe(200)
    gw.clock.now += 30_000
    for (let i = 0; i < 20; i++) await expectDenied(await gw.fetch('/things', auth(await token(key, {}, { alg: 'RS256', kid: `x${i}` }))), 'unknown_kid')
    expect(await jwksHits(name)).toBe(2)
  })

  it('refuses, at load, a route override naming a provider the entry does not define; the last good config serves', async () => {
    const log = captureLog()
    const { gw } = await table()
    expect((await gw.fetch('/public/x')).status).toBe(200)
    await publish({
      http_filters: [{ name: 'jwt_authn', config: { providers: { idp: { local_jwks: { keys: [key.jwk] } } } } }],
      clusters: [{ name: 'echo', endpoints: [{ url: upstreams().echo[0] }] }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, filters: { jwt_authn: { requires: { provider: 'nope' } } }, forward: { cluster: 'echo' } }] }],
    })
    gw.clock.now += 2_000
    await gw.fetchAndSettle('/public/x')
    const status = gw.gateway.store.status()
    expect(status.last_error?.issues).toContainEqual({ path: 'virtual_hosts[0].routes[0].filters.jwt_authn.requires.provider', message: 'unknown provider "nope" (known: idp)' })
    expect((await gw.fetch('/public/x')).status).toBe(200)
    expect(log.msgs()).toEqual(['config rejected'])
  })
})
