/**
 * Issue 12 §5: `max_token_age` (jose `maxTokenAge`, with the clock skew), its interplay with the verified-token
 * cache, whole-second clock settings, and `max_candidate_keys`. Clocks are injected (`startedAt`), never slept.
 */
import { jwtVerify, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkClaims } from '../../../src/filters/jwt-authn/token.ts'
import { makeKey, NOW, NOW_MS, type TestKey, token } from '../../support/jwt-keys.ts'
import { jwksHits, jwksUrl, serveJwks, uniqueName } from '../../support/jwt-server.ts'
import { bearer, buildJwt, counter, expectDenied, send } from './_helpers.ts'

let key: TestKey

beforeAll(async () => {
  key = await makeKey('ES256', 'age-1')
})

const at = (s: number) => ({ startedAt: NOW_MS + s * 1000 })
const local = (extra: Record<string, unknown> = {}) =>
  buildJwt({ providers: { idp: { issuer: 'https://issuer.test', local_jwks: { keys: [key.jwk] }, ...extra } } })

describe('jwt_authn max_token_age', () => {
  it('refuses a token older than max_token_age + clock_skew with 401 ERR_JWT_INVALID too_old, accepts it up to then', async () => {
    const f = local({ max_token_age: '5m' }) // clock_skew: the default 60 s
    const t = await token(key, { iat: NOW })
    expect((await send(f, bearer(t, at(300 + 60)))).local).toBe(false)
    const { response, rc } = await send(f, bearer(t, at(300 + 61)))
    const body = await expectDenied(response, 'too_old')
    expect(body).toMatchObject({ code: 'ERR_JWT_INVALID', detail: expect.stringContaining('max_token_age') })
    expect(counter(rc, 'jwt_authn.denied.too_old')).toBe(1)
  })

  it('applies the provider clock_skew to the age (0s: refused one second past max_token_age)', async () => {
    const f = local({ max_token_age: '10s', clock_skew: '0s', jwt_cache_size: 0 })
    const t = await token(key, { iat: NOW })
    expect((await send(f, bearer(t, at(10)))).local).toBe(false)
    await expectDenied((await send(f, bearer(t, at(11)))).response, 'too_old')
  })

  it('requires iat once max_token_age is set, and refuses before any JWKS fetch', async () => {
    const name = uniqueName('age')
    await serveJwks(name, { keys: [key.jwk] })
    const f = buildJwt({ providers: { idp: { remote_jwks: { uri: jwksUrl(name) }, max_token_age: '1h' } } })
    const body = await expectDenied((await send(f, bearer(await token(key, { iat: undefined })))).response, 'missing_iat')
    expect(body.detail).toMatch(/iat/)
    expect(await jwksHits(name)).toBe(0)
    // Without max_token_age, the same token is fine.
    expect((await send(local(), bearer(await token(key, { iat: undefined })))).local).toBe(false)
  })

  it('stops a cached token once it is too old: the cache hit is refused, not served', async () => {
    const name = uniqueName('age-cache')
    await serveJwks(name, { keys: [key.jwk] })
    const f = buildJwt({ providers: { idp: { remote_jwks: { uri: jwksUrl(name) }, max_token_age: '2m', clock_skew: '0s' } } })
    const t = await token(key, { iat: NOW, exp: NOW + 3600 })
    const first = await send(f, bearer(t))
    expect([first.local, counter(first.rc, 'jwt_authn.cache.miss')]).toEqual([false, 1])
    const young = await send(f, bearer(t, at(120)))
    expect([young.local, counter(young.rc, 'jwt_authn.cache.hit')]).toEqual([false, 1])
    const old = await send(f, bearer(t, at(121)))
    expect(counter(old.rc, 'jwt_authn.cache.hit')).toBe(1)
    await expectDenied(old.response, 'too_old')
    expect(await jwksHits(name)).toBe(1)
  })

  it('agrees with jose maxTokenAge to the second, clock skew included', async () => {
    const secret = new TextEncoder().encode('k'.repeat(32))
    for (const [maxAge, skew] of [[30, 0], [30, 5], [1, 60]] as const) {
      const rules = { issuer: undefined, skew, requireExpiration: false, maxAge }
      for (let age = maxAge + skew - 2; age <= maxAge + skew + 2; age++) {
        for (const ms of [0, 999]) {
          const nowMs = (NOW + age) * 1000 + ms
          const jwt = await new SignJWT({ iat: NOW }).setProtectedHeader({ alg: 'HS256' }).sign(secret)
          const jose = await jwtVerify(jwt, secret, { currentDate: new Date(nowMs), maxTokenAge: maxAge, clockTolerance: skew }).then(
            () => undefined,
            (e: { claim?: string }) => e.claim
          )
          const ours = checkClaims({ iat: NOW }, rules, nowMs)
          expect({ maxAge, skew, age, ms, ours }).toEqual({ maxAge, skew, age, ms, ours: jose === undefined ? undefined : 'too_old' })
        }
      }
    }
  })
})

describe('jwt_authn clock settings are whole seconds', () => {
  it('keeps a whole-second clock_skew given in ms exactly (2000ms is 2 s, not rounded)', async () => {
    const f = local({ clock_skew: '2000ms', jwt_cache_size: 0 })
    const t = await token(key, { exp: NOW })
    expect((await send(f, bearer(t, at(1)))).local).toBe(false)
    await expectDenied((await send(f, bearer(t, at(2)))).response, 'expired')
  })
})

describe('jwt_authn max_candidate_keys', () => {
  let keys: TestKey[]
  beforeAll(async () => {
    keys = await Promise.all(Array.from({ length: 12 }, (_, i) => makeKey('ES256', `many-${i}`)))
  })
  // A kid-less token is tried against every key of its alg, in JWKS order, up to the limit.
  const kidless = (k: TestKey) => token(k, {}, { alg: 'ES256' })
  const jwks = () => ({ keys: keys.map(({ jwk }) => ({ ...jwk, kid: undefined })) })

  it('tries 10 keys by default: a kid-less token signed by the 11th key is refused', async () => {
    const f = buildJwt({ providers: { idp: { local_jwks: jwks() } } })
    expect((await send(f, bearer(await kidless(keys[9]!)))).local).toBe(false)
    await expectDenied((await send(f, bearer(await kidless(keys[10]!)))).response, 'signature')
  })

  it('tries as many keys as max_candidate_keys allows', async () => {
    const f = buildJwt({ providers: { idp: { local_jwks: jwks(), max_candidate_keys: 12 } } })
    expect((await send(f, bearer(await kidless(keys[11]!)))).local).toBe(false)
    const one = buildJwt({ providers: { idp: { local_jwks: jwks(), max_candidate_keys: 1 } } })
    expect((await send(one, bearer(await kidless(keys[0]!)))).local).toBe(false)
    await expectDenied((await send(one, bearer(await kidless(keys[1]!)))).response, 'signature')
  })
})
