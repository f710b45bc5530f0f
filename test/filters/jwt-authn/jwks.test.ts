/**
 * Remote JWKS behaviour against the real JWKS server: caching, one fetch for concurrent first requests,
 * background refresh, rotation, failures (fail closed when cold, keep cached keys when warm), timeouts.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest'
import { cluster as clusterSchema } from '../../../src/config/schema.ts'
import { clusterHandle, createCluster } from '../../../src/upstream/isolate/cluster.ts'
import { makeKey, NOW_MS, type TestKey, token } from '../../support/jwt-keys.ts'
import { jwksHits, jwksOrigin, jwksPath, jwksUrl, serveJwks, uniqueName } from '../../support/jwt-server.ts'
import { bearer, buildJwt, counter, expectDenied, send } from './_helpers.ts'

let one: TestKey
let two: TestKey
/** A key whose JWK has no `kid`. */
let anon: TestKey
let warn: MockInstance<typeof console.warn>

// Degraded modes log a warning line; captured here (and asserted where it matters) rather than printed.
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => warn.mockRestore())

beforeAll(async () => {
  ;[one, two, anon] = await Promise.all([makeKey('ES256', 'one'), makeKey('ES256', 'two'), makeKey('ES256', 'anon')])
  const { kid: _, ...jwk } = anon.jwk
  anon = { ...anon, jwk }
})

const at = (ms: number) => ({ startedAt: NOW_MS + ms })
const MIN = 60_000

async function remote(keys = [one.jwk], remoteJwks: Record<string, unknown> = {}) {
  const name = uniqueName('jwks')
  await serveJwks(name, { keys })
  const filter = buildJwt({ providers: { idp: { issuer: 'https://issuer.test', remote_jwks: { uri: jwksUrl(name), ...remoteJwks } } } })
  return { filter, name, hits: () => jwksHits(name) }
}

describe('jwt_authn remote JWKS', () => {
  it('fetches once for ten good requests (Envoy TestOkJWTandCache)', async () => {
    const r = await remote()
    for (let i = 0; i < 10; i++) expect((await send(r.filter, bearer(await token(one, { jti: String(i) })))).local).toBe(false)
    expect(await r.hits()).toBe(1)
  })

  it('shares one fetch between concurrent first requests', async () => {
    const r = await remote()
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => token(one, { jti: String(i) })))
    const results = await Promise.all(tokens.map((t) => send(r.filter, bearer(t))))
    expect(results.every((x) => !x.local)).toBe(true)
    expect(await r.hits()).toBe(1)
  })

  it('keeps answering from stale keys while it refreshes them in the background', async () => {
    const r = await remote()
    await send(r.filter, bearer(await token(one)))
    const stale = await send(r.filter, bearer(await token(one, { jti: 'b' }), at(10 * MIN)))
    expect(stale.local).toBe(false)
    await stale.settle()
    expect(await r.hits()).toBe(2)
    expect(counter(stale.rc, 'jwt_authn.jwks_fetch.success')).toBe(1)
  })

  it('stops a removed key at the next refresh, cached tokens included', async () => {
    const r = await remote([one.jwk, two.jwk])
    const t = await token(two)
    expect((await send(r.filter, bearer(t))).local).toBe(false)
    await serveJwks(r.name, { keys: [one.jwk] }) // key "two" revoked
    const refresh = await send(r.filter, bearer(t, at(10 * MIN)))
    expect(refresh.local).toBe(false) // answered from the keys held when it arrived
    await refresh.settle()
    await expectDenied((await send(r.filter, bearer(t, at(10 * MIN + 1000)))).response, 'unknown_kid')
  })

  it('picks up a rotated key after the refetch cooldown, not before', async () => {
    const r = await remote()
    await send(r.filter, bearer(await token(one)))
    await serveJwks(r.name, { keys: [one.jwk, two.jwk] })
    await expectDenied((await send(r.filter, bearer(await token(two), at(10_000)))).response, 'unknown_kid')
    expect(await r.hits()).toBe(1)
    expect((await send(r.filter, bearer(await token(two), at(30_000)))).local).toBe(false)
    expect(await r.hits()).toBe(2)
  })

  // Issue 12 §5: a kid-less key matched every token, so a token naming a rotated-in kid was tried against it,
  // refused as a bad signature, and never triggered the unknown-kid refetch.
  it('refetches for a new kid even when the JWKS holds a kid-less key, and accepts the token', async () => {
    const r = await remote([anon.jwk, one.jwk])
    expect((await send(r.filter, bearer(await token(one)))).local).toBe(false)
    await serveJwks(r.name, { keys: [anon.jwk, one.jwk, two.jwk] })
    const rotated = await send(r.filter, bearer(await token(two), at(30_000)))
    expect(rotated.local).toBe(false)
    expect(counter(rotated.rc, 'jwt_authn.jwks_fetch.success')).toBe(1)
    expect(await r.hits()).toBe(2)
  })

  it('matches a token with a kid only against keys with that kid (jose); a token without one against every key', async () => {
    const r = await remote([anon.jwk, one.jwk])
    for (const k of [anon, one]) expect((await send(r.filter, bearer(await token(k, {}, { alg: 'ES256' })))).local).toBe(false)
    // Signed by the kid-less key, but naming kid "one", or a kid no key has: not the key the token names.
    await expectDenied((await send(r.filter, bearer(await token(anon, {}, { alg: 'ES256', kid: 'one' })))).response, 'signature')
    await expectDenied((await send(r.filter, bearer(await token(anon, {}, { alg: 'ES256', kid: 'ghost' })))).response, 'unknown_kid')
    expect(await r.hits()).toBe(1)
  })

  it('keeps serving cached keys when a refresh fails', async () => {
    const r = await remote()
    await send(r.filter, bearer(await token(one)))
    await serveJwks(r.name, { status: 503, body: 'down' })
    const stale = await send(r.filter, bearer(await token(one, { jti: 'x' }), at(10 * MIN)))
    await stale.settle()
    expect(counter(stale.rc, 'jwt_authn.jwks_fetch.failure')).toBe(1)
    expect(JSON.parse(String(warn.mock.calls.at(-1)?.[0]))).toMatchObject({ level: 'warn', msg: 'jwt_authn: JWKS fetch failed', error: 'HTTP 503', serving_cached_keys: true })
    expect((await send(r.filter, bearer(await token(one, { jti: 'y' }), at(10 * MIN + 29_000)))).local).toBe(false)
    expect(await r.hits()).toBe(2) // no retry within refetch_cooldown
    const retry = await send(r.filter, bearer(await token(one, { jti: 'z' }), at(10 * MIN + 30_000)))
    expect(retry.local).toBe(false)
    await retry.settle()
    expect(await r.hits()).toBe(3)
  })

  it('fails closed (401 jwks_unavailable) when the first fetch fails, retrying after failed_refetch_duration', async () => {
    const r = await remote()
    await serveJwks(r.name, { status: 500, body: '{}' })
    const t = await token(one)
    await expectDenied((await send(r.filter, bearer(t))).response, 'jwks_unavailable')
    await expectDenied((await send(r.filter, bearer(t, at(500)))).response, 'jwks_unavailable')
    expect(await r.hits()).toBe(1)
    await serveJwks(r.name, { keys: [one.jwk] })
    expect((await send(r.filter, bearer(t, at(1000)))).local).toBe(false)
    expect(await r.hits()).toBe(2)
  })

  it('refuses documents that are not a usable JWKS', async () => {
    const docs = [
      { body: 'not json' },
      { body: '{"keys": "nope"}' },
      { keys: [] },
      { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' }] },
      { keys: [{ ...one.jwk, use: 'enc' }] },
      { keys: [{ ...one.jwk, key_ops: ['encrypt'] }] },
      { keys: [{ ...one.jwk, alg: 'RS256' }] },
      { keys: [{ ...one.jwk, crv: 'secp256k1' }] },
      { body: JSON.stringify({ keys: [one.jwk], pad: 'x'.repeat(300_000) }) },
    ]
    for (const doc of docs) {
      const r = await remote()
      await serveJwks(r.name, doc)
      await expectDenied((await send(r.filter, bearer(await token(one)))).response, 'jwks_unavailable')
    }
  })

  it('does not follow a redirect from the JWKS endpoint', async () => {
    const r = await remote()
    await serveJwks(r.name, { status: 302, body: '' })
    await expectDenied((await send(r.filter, bearer(await token(one)))).response, 'jwks_unavailable')
  })

  it('gives up on a JWKS fetch after the timeout', async () => {
    const r = await remote([one.jwk], { timeout: '100ms' })
    await serveJwks(r.name, { keys: [one.jwk], delay_ms: 3000 })
    const started = Date.now()
    await expectDenied((await send(r.filter, bearer(await token(one)))).response, 'jwks_unavailable')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('fetches through the first endpoint of a cluster', async () => {
    const name = uniqueName('cl')
    await serveJwks(name, { keys: [one.jwk] })
    const idp = createCluster(clusterSchema.parse({ name: 'idp', endpoints: [{ url: jwksOrigin() }, { url: 'http://127.0.0.1:9' }] }))
    const filter = buildJwt({ providers: { idp: { remote_jwks: { cluster: 'idp', path: jwksPath(name) } } } }, { clusters: new Map([['idp', clusterHandle(idp)]]) })
    for (let i = 0; i < 3; i++) expect((await send(filter, bearer(await token(one, { jti: String(i) })))).local).toBe(false)
    expect(await jwksHits(name)).toBe(1)
  })

  // CVE-2025-64527 (Envoy): several tokens, allow_missing_or_failed and failing JWKS fetches crashed the fetcher.
  it('survives concurrent failing JWKS fetches started from one request under allow_missing_or_failed', async () => {
    const [a, b] = [uniqueName('down-a'), uniqueName('down-b')]
    await serveJwks(a, { status: 503, body: '' })
    await serveJwks(b, { body: 'garbage' })
    const filter = buildJwt({
      providers: {
        a: { remote_jwks: { uri: jwksUrl(a) } },
        b: { remote_jwks: { uri: jwksUrl(b) }, from_headers: [{ name: 'x-token' }] },
      },
      requires: { allow_missing_or_failed: true },
    })
    const results = await Promise.all(
      Array.from({ length: 5 }, async () => send(filter, bearer(await token(one), { headers: { 'x-token': await token(two) } })))
    )
    for (const r of results) {
      expect(r.local).toBe(false)
      expect(r.rc.identity).toEqual({})
      expect(r.rc.state.jwt_authn).toMatchObject({ verified: [], tolerated: [{ provider: 'a', reason: 'jwks_unavailable' }, { provider: 'b', reason: 'jwks_unavailable' }] })
      expect(r.rc.headers.has('authorization') || r.rc.headers.has('x-token')).toBe(false)
    }
    expect(await jwksHits(a)).toBe(1)
    expect(await jwksHits(b)).toBe(1)
  })
})
