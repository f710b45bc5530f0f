import { beforeAll, describe, expect, it } from 'vitest'
import { env } from 'cloudflare:workers'
import { b64u, claims, makeKey, NOW, NOW_MS, signHmac, type TestKey, token } from '../../support/jwt-keys.ts'
import { jwksHits, jwksUrl, serveJwks, uniqueName } from '../../support/jwt-server.ts'
import { type ContextInit, makeContext } from '../_context.ts'
import { bearer, buildJwt, counter, expectDenied, send } from './_helpers.ts'
import { captureLog } from '../../support/expect-log.ts'

let key: TestKey
let other: TestKey
let ed: TestKey
let ps: TestKey
let es384: TestKey

beforeAll(async () => {
  ;[key, other, ed, ps, es384] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2'), makeKey('EdDSA', 'ed'), makeKey('PS256', 'ps'), makeKey('ES384', 'es384')])
})

const idp = (extra: Record<string, unknown> = {}) => ({ issuer: 'https://issuer.test', local_jwks: { keys: [key.jwk] }, ...extra })
const one = (extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => buildJwt({ providers: { idp: idp(extra) }, ...top })

describe('jwt_authn token locations', () => {
  it('answers 401 ERR_JWT_MISSING with a bare Bearer challenge naming the host', async () => {
    const { response, rc } = await send(one(), { url: 'https://api.example.com/orders' })
    await expectDenied(response, 'missing', /^Bearer realm="api\.example\.com"$/)
    expect(counter(rc, 'jwt_authn.denied.missing')).toBe(1)
  })

  it('uses the configured realm', async () => {
    await expectDenied((await send(one({}, { realm: 'orders' }))).response, 'missing', /realm="orders"/)
  })

  it('treats another scheme or a wrong prefix as missing (Envoy TestInvalidPrefix)', async () => {
    const t = await token(key)
    for (const authorization of ['Basic dXNlcjpwdw==', `Bearer-invalid ${t}`, `Bearer${t}`, 'Bearer ', 'Digest username="a", realm="b"'])
      await expectDenied((await send(one(), { headers: { authorization } })).response, 'missing')
  })

  it('matches the Bearer scheme case-insensitively (RFC 7235)', async () => {
    const { local, rc } = await send(one(), { headers: { authorization: `bEaReR ${await token(key)}` } })
    expect(local).toBe(false)
    expect(counter(rc, 'jwt_authn.allowed')).toBe(1)
  })

  it('reads a custom header with an exact prefix, a query parameter and a cookie', async () => {
    const t = await token(key)
    const f = one({ from_headers: [{ name: 'x-auth', value_prefix: 'JWT ' }], from_params: ['access_token'], from_cookies: ['session'] })
    const inits: ContextInit[] = [{ headers: { 'x-auth': `JWT ${t}` } }, { url: `/x?access_token=${t}` }, { headers: { cookie: `a=1; session=${t}; b=2` } }]
    for (const init of inits)
      expect((await send(f, init)).local).toBe(false)
    await expectDenied((await send(f, { headers: { 'x-auth': `jwt ${t}` } })).response, 'missing')
  })

  it('removes the token before the upstream by default: header, query parameter (others kept verbatim) and cookie', async () => {
    const t = await token(key)
    const f = one({ from_headers: [{ name: 'authorization', value_prefix: 'Bearer ' }], from_params: ['access_token'], from_cookies: ['session'] })
    const { rc } = await send(f, { url: `/x?a=1%202&access_token=${t}&b=+`, headers: { authorization: `Bearer ${t}`, cookie: `a=1; session=${t}; b=2` } })
    expect(rc.headers.has('authorization')).toBe(false)
    expect(rc.url.search).toBe('?a=1%202&b=+')
    expect(rc.headers.get('cookie')).toBe('a=1; b=2')
  })

  it('keeps the token with forward: true', async () => {
    const t = await token(key)
    const { rc } = await send(one({ forward: true }), bearer(t))
    expect(rc.headers.get('authorization')).toBe(`Bearer ${t}`)
  })
})

describe('jwt_authn upstream headers and identity', () => {
  const rich = { sub: 'alice', scope: 'orders:read orders:write', scp: ['admin', 'orders:read'], org: { tenant: { id: 42, name: 'acme' }, tier: 'gold' }, roles: ['a', 'b'], flag: true, bad: 'x\ny', __proto__x: 1 }

  it('sets forward_payload_header to the payload segment and copies nested claims', async () => {
    const t = await token(key, rich)
    const f = one({
      forward_payload_header: 'x-jwt-payload',
      claim_to_headers: [
        { header_name: 'x-tenant', claim_name: 'org.tenant.id' },
        { header_name: 'x-tenant-obj', claim_name: 'org.tenant' },
        { header_name: 'x-roles', claim_name: 'roles' },
        { header_name: 'x-flag', claim_name: 'flag' },
        { header_name: 'x-bad', claim_name: 'bad' },
        { header_name: 'x-none', claim_name: 'org.nope' },
        { header_name: 'x-proto', claim_name: '__proto__.constructor' },
      ],
    })
    const { rc } = await send(f, bearer(t))
    expect(rc.headers.get('x-jwt-payload')).toBe(t.split('.')[1])
    expect(Object.fromEntries([...rc.headers].filter(([k]) => k.startsWith('x-')))).toEqual({
      'x-jwt-payload': t.split('.')[1],
      'x-tenant': '42',
      'x-tenant-obj': b64u(JSON.stringify({ id: 42, name: 'acme' })),
      'x-roles': 'a,b',
      'x-flag': 'true',
    })
  })

  it('removes client-sent copies of its headers, even when the request passes without a token', async () => {
    const f = one({ forward_payload_header: 'x-jwt-payload', claim_to_headers: [{ header_name: 'x-user', claim_name: 'sub' }] }, { requires: { allow_missing: true } })
    const { rc, local } = await send(f, { headers: { 'x-jwt-payload': b64u('{"sub":"admin"}'), 'x-user': 'admin' } })
    expect(local).toBe(false)
    expect(rc.headers.has('x-jwt-payload') || rc.headers.has('x-user')).toBe(false)
  })

  it('sets the identity: claims by provider, consumer from sub, scopes from scope and scp', async () => {
    const { rc } = await send(one(), bearer(await token(key, rich)))
    expect(rc.identity.consumer).toBe('alice')
    expect(rc.identity.scopes).toEqual(['orders:read', 'orders:write', 'admin'])
    expect(rc.identity.claims?.idp).toMatchObject({ sub: 'alice', org: { tier: 'gold' } })
    expect(Object.isFrozen(rc.identity.claims?.idp)).toBe(true)
    expect(rc.state.jwt_authn).toEqual({ verified: ['idp'], tolerated: [] })
  })

  it('keeps a consumer set by an earlier filter', async () => {
    const rc = makeContext(bearer(await token(key)))
    rc.identity.consumer = 'key-owner'
    expect(await one().onRequest!(rc)).toBeUndefined()
    expect(rc.identity.consumer).toBe('key-owner')
    expect(rc.identity.claims?.idp?.sub).toBe('user-1')
  })

  it('verifies EdDSA, PS256 and ES384 tokens', async () => {
    const f = buildJwt({ providers: { idp: { local_jwks: { keys: [ed.jwk, ps.jwk, es384.jwk] } } } })
    for (const k of [ed, ps, es384]) expect((await send(f, bearer(await token(k)))).local).toBe(false)
  })

  it('verifies HS256 with a secret from a Worker secret binding, and fails closed when it is unset', async () => {
    const log = captureLog()
    const secret = 's'.repeat(40)
    const hs = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const body = `${b64u('{"alg":"HS256"}')}.${b64u(JSON.stringify({ sub: 'h', exp: NOW + 60 }))}`
    const t = `${body}.${b64u(new Uint8Array(await crypto.subtle.sign('HMAC', hs, new TextEncoder().encode(body))))}`
    const config = { providers: { hs: { hmac_secret: { env: 'JWT_TEST_SECRET' } } } }
    const f = buildJwt(config)
    const withSecret = makeContext({ ...bearer(t), env: { ...env, JWT_TEST_SECRET: secret } as never })
    expect(await f.onRequest!(withSecret)).toBeUndefined()
    expect(withSecret.identity.consumer).toBe('h')
    await expectDenied((await send(buildJwt(config), bearer(t))).response, 'jwks_unavailable')
    expect(log.msgs()).toEqual([expect.stringContaining('secret JWT_TEST_SECRET is unset')])
  })

  // Issue 12 §5: JWKS keys now match a token's kid exactly; a configured secret has no kid and still serves all.
  it('verifies an HS256 token that names a kid against hmac_secret', async () => {
    const secret = 's'.repeat(40)
    const t = await signHmac(new TextEncoder().encode(secret), claims(), { alg: 'HS256', kid: 'rotation-7' })
    expect((await send(buildJwt({ providers: { hs: { hmac_secret: { inline: secret } } } }), bearer(t))).local).toBe(false)
  })
})

describe('jwt_authn requirements', () => {
  const two = () => ({
    a: { issuer: 'https://a.test', local_jwks: { keys: [key.jwk] } },
    b: { issuer: 'https://b.test', local_jwks: { keys: [other.jwk] }, from_headers: [{ name: 'x-b-token' }] },
  })
  const ta = () => token(key, { iss: 'https://a.test', scope: 'orders:read' })
  const tb = () => token(other, { iss: 'https://b.test', org: { tier: 'gold' } })

  it('requires scopes: 403 insufficient_scope listing them', async () => {
    const f = buildJwt({ providers: two(), requires: { provider: 'a', scopes: ['orders:read', 'orders:write'] } })
    const body = await expectDenied((await send(f, bearer(await ta()))).response, 'scope', /scope="orders:read orders:write"$/)
    expect(body.code).toBe('ERR_JWT_FORBIDDEN')
  })

  it('requires claims, nested, with accepted values, any element of an array claim', async () => {
    const provider = { issuer: 'https://a.test', local_jwks: { keys: [key.jwk] } }
    const t = await token(key, { iss: 'https://a.test', org: { tier: 'gold', regions: ['eu', 'us'] }, n: 7 })
    const pass = [[{ name: 'org.tier' }], [{ name: 'org.tier', values: ['silver', 'gold'] }], [{ name: 'org.regions', values: ['us'] }], [{ name: 'n', values: ['7'] }]]
    for (const claims of pass) expect((await send(buildJwt({ providers: { a: provider }, requires: { provider: 'a', claims } }), bearer(t))).local).toBe(false)
    for (const claims of [[{ name: 'org.tier', values: ['silver'] }], [{ name: 'org.nope' }], [{ name: 'org' , values: ['gold'] }]])
      await expectDenied((await send(buildJwt({ providers: { a: provider }, requires: { provider: 'a', claims } }), bearer(t))).response, 'claim')
  })

  it('overrides the provider audiences per requirement', async () => {
    const f = buildJwt({ providers: { a: { ...two().a, audiences: ['api'] } }, requires: { provider: 'a', audiences: ['admin'] } })
    await expectDenied((await send(f, bearer(await ta()))).response, 'audience')
    expect((await send(f, bearer(await token(key, { iss: 'https://a.test', aud: ['x', 'admin'] })))).local).toBe(false)
  })

  it('requires_any passes with either provider, and reports the most specific failure', async () => {
    const f = buildJwt({ providers: two(), requires: { requires_any: [{ provider: 'a', scopes: ['orders:write'] }, { provider: 'b' }] } })
    expect((await send(f, { headers: { 'x-b-token': await tb() } })).local).toBe(false)
    await expectDenied((await send(f, bearer(await ta()))).response, 'scope')
    await expectDenied((await send(f, {})).response, 'missing')
    const forged = await token(key, { iss: 'https://b.test' }, { alg: 'ES256', kid: 'k2' })
    await expectDenied((await send(f, { headers: { 'x-b-token': forged } })).response, 'signature')
  })

  it('requires_all needs both tokens, and sets both identities', async () => {
    const f = buildJwt({ providers: two(), requires: { requires_all: [{ provider: 'a' }, { provider: 'b' }] } })
    await expectDenied((await send(f, bearer(await ta()))).response, 'missing')
    const { local, rc } = await send(f, bearer(await ta(), { headers: { 'x-b-token': await tb() } }))
    expect(local).toBe(false)
    expect(Object.keys(rc.identity.claims ?? {})).toEqual(['a', 'b'])
  })

  it('leaves no identity behind from a requires_all branch that failed', async () => {
    const f = buildJwt({ providers: two(), requires: { requires_any: [{ requires_all: [{ provider: 'a' }, { provider: 'b' }] }, { allow_missing_or_failed: true }] } })
    const { local, rc } = await send(f, bearer(await ta()))
    expect(local).toBe(false)
    expect(rc.identity.claims).toEqual({ a: expect.objectContaining({ iss: 'https://a.test' }) }) // from allow_missing_or_failed, not the failed branch
  })

  it('allow_missing: no token passes, an invalid token is refused', async () => {
    const f = buildJwt({ providers: two(), requires: { allow_missing: true } })
    expect((await send(f, {})).local).toBe(false)
    await expectDenied((await send(f, bearer(await token(other, { iss: 'https://a.test' }, { alg: 'ES256', kid: 'k1' })))).response, 'signature')
    expect((await send(f, bearer(await ta()))).rc.identity.consumer).toBe('user-1')
  })

  it('attributes a shared location to the provider whose issuer matches (Envoy)', async () => {
    const shared = { a: two().a, b: { ...two().b, from_headers: undefined } }
    const f = buildJwt({ providers: shared, requires: { allow_missing: true } })
    const { rc } = await send(f, bearer(await tb()))
    expect(Object.keys(rc.identity.claims ?? {})).toEqual(['b'])
    await expectDenied((await send(f, bearer(await token(key, { iss: 'https://c.test' })))).response, 'issuer')
  })

  it('allow_missing_or_failed: an invalid token passes without identity, and is still removed', async () => {
    const f = buildJwt({ providers: two(), requires: { allow_missing_or_failed: true } })
    const { local, rc } = await send(f, bearer(await token(other, { iss: 'https://a.test' }, { alg: 'ES256', kid: 'k1' })))
    expect(local).toBe(false)
    expect(rc.identity).toEqual({})
    expect(rc.state.jwt_authn).toEqual({ verified: [], tolerated: [{ provider: 'a', reason: 'signature' }] })
    expect(rc.headers.has('authorization')).toBe(false)
  })

  it('an optional provider: requires_any [provider, allow_missing]', async () => {
    const f = buildJwt({ providers: two(), requires: { requires_any: [{ provider: 'a' }, { allow_missing: true }] } })
    expect((await send(f, {})).local).toBe(false)
    expect((await send(f, bearer(await ta()))).rc.state.jwt_authn).toMatchObject({ verified: ['a'] })
    await expectDenied((await send(f, bearer(await token(key, { iss: 'https://a.test', exp: NOW - 3600 })))).response, 'expired')
  })

  it('requires some provider by default (fail closed, unlike Envoy)', async () => {
    const f = buildJwt({ providers: two() })
    await expectDenied((await send(f, {})).response, 'missing')
    expect((await send(f, { headers: { 'x-b-token': await tb() } })).local).toBe(false)
  })

  it('lets a route override set requires while inheriting providers, sharing their JWKS cache', async () => {
    const name = uniqueName('shared')
    await serveJwks(name, { keys: [key.jwk] })
    const entry = { providers: { idp: { remote_jwks: { uri: jwksUrl(name) } } } }
    const chain = buildJwt(entry)
    // Validation merges the override over the entry and links the inherited providers to the entry's own.
    const { jwtAuthnFilter } = await import('../../../src/filters/jwt-authn/index.ts')
    const { validateConfig } = await import('../../../src/snapshot/validate.ts')
    const result = validateConfig(
      {
        http_filters: [{ name: 'jwt_authn', config: entry }],
        virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, filters: { jwt_authn: { requires: { provider: 'idp', scopes: ['w'] } } }, direct_response: { status: 200 } }] }],
      },
      [jwtAuthnFilter],
      { trialCompile: false }
    )
    if (!result.ok) throw new Error(JSON.stringify(result.issues))
    const base = result.config.http_filters[0]!.config as Parameters<typeof jwtAuthnFilter.create>[0]
    const override = result.config.virtual_hosts[0]!.routes[0]!.filters!.jwt_authn as Parameters<typeof jwtAuthnFilter.create>[0]
    const routeA = jwtAuthnFilter.create(override, { scope: 'route a' })
    const routeB = jwtAuthnFilter.create(base, { scope: 'http_filters' })
    expect((await send(chain, bearer(await token(key)))).local).toBe(false)
    await expectDenied((await send(routeA, bearer(await token(key)))).response, 'scope')
    expect((await send(routeA, bearer(await token(key, { scope: 'w' })))).local).toBe(false)
    expect((await send(routeB, bearer(await token(key, { jti: 'b' })))).local).toBe(false)
    expect(await jwksHits(name)).toBe(2) // one for `chain` (its own parse), one shared by routeA and routeB
  })
})

describe('jwt_authn verified-token cache', () => {
  it('serves a repeated token from the cache, never at or past exp', async () => {
    const f = one()
    const t = await token(key, { exp: NOW + 10 })
    expect(counter((await send(f, bearer(t))).rc, 'jwt_authn.cache.miss')).toBe(1)
    expect(counter((await send(f, bearer(t, { startedAt: NOW_MS + 9_000 }))).rc, 'jwt_authn.cache.hit')).toBe(1)
    const atExp = await send(f, bearer(t, { startedAt: NOW_MS + 10_000 }))
    expect([atExp.local, counter(atExp.rc, 'jwt_authn.cache.miss')]).toEqual([false, 1]) // re-verified (within skew)
    await expectDenied((await send(f, bearer(t, { startedAt: NOW_MS + 70_000 }))).response, 'expired')
  })

  it('is bounded: the least recently used token is evicted', async () => {
    const f = one({ jwt_cache_size: 2 })
    const [t1, t2, t3] = await Promise.all([1, 2, 3].map((i) => token(key, { jti: String(i) })))
    for (const t of [t1, t2, t1, t3]) await send(f, bearer(t!))
    expect(counter((await send(f, bearer(t1!))).rc, 'jwt_authn.cache.hit')).toBe(1)
    expect(counter((await send(f, bearer(t2!))).rc, 'jwt_authn.cache.miss')).toBe(1)
  })

  it('still checks audience and scopes on a cache hit', async () => {
    const f = buildJwt({ providers: { idp: idp() }, requires: { provider: 'idp', audiences: ['other'] } })
    const t = await token(key)
    expect((await send(one(), bearer(t))).local).toBe(false)
    await expectDenied((await send(f, bearer(t))).response, 'audience')
    await expectDenied((await send(f, bearer(t))).response, 'audience')
  })
})
