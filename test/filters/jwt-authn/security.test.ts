/**
 * The jwt_authn security corpus (issue 4 §6): hostile tokens against a provider with a real remote JWKS on
 * 127.0.0.1. Each case is its own test, asserts the exact reason, and (where it matters) the JWKS hit count.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { b64u, claims, makeKey, NOW, NOW_MS, signHmac, signRaw, type TestKey, token } from '../../support/jwt-keys.ts'
import { hitsOf, jwksHits, jwksOrigin, jwksUrl, serveJwks, uniqueName } from '../../support/jwt-server.ts'
import { bearer, buildJwt, expectDenied, send } from './_helpers.ts'

let rsa: TestKey
let ec: TestKey
let mallory: TestKey
let malloryEc: TestKey

beforeAll(async () => {
  ;[rsa, ec, mallory, malloryEc] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1')])
})

/** A provider on its own JWKS document (so hit counts are this test's), trusting `rsa` and `ec`. */
async function setup(provider: Record<string, unknown> = {}, keys = [rsa.jwk, ec.jwk]) {
  const name = uniqueName('sec')
  await serveJwks(name, { keys })
  const filter = buildJwt({
    providers: { idp: { issuer: 'https://issuer.test', audiences: ['api'], remote_jwks: { uri: jwksUrl(name) }, ...provider } },
  })
  return { filter, name, hits: () => jwksHits(name) }
}

/** Sends `tok` and expects a denial for `reason`, with no JWKS fetch at all. */
async function deniedOffline(tok: string, reason: string, provider?: Record<string, unknown>) {
  const s = await setup(provider)
  const { response } = await send(s.filter, bearer(tok))
  await expectDenied(response, reason)
  expect(await s.hits()).toBe(0)
}

const header = (h: Record<string, unknown>) => b64u(JSON.stringify(h))

describe('jwt_authn security corpus', () => {
  it('accepts a well-formed RS256 and ES256 token (the baseline the corpus departs from)', async () => {
    const s = await setup()
    for (const key of [rsa, ec]) expect((await send(s.filter, bearer(await token(key)))).local).toBe(false)
    expect(await s.hits()).toBe(1)
  })

  it('rejects alg "none" with an empty signature (RFC 7515 A.5 shape)', async () => {
    await deniedOffline(`${header({ alg: 'none' })}.${b64u(JSON.stringify(claims()))}.`, 'malformed')
  })

  it('rejects alg "none", "None" and "NONE" with a signature attached', async () => {
    for (const alg of ['none', 'None', 'NONE']) await deniedOffline(`${header({ alg, kid: 'rsa-1' })}.${b64u(JSON.stringify(claims()))}.AAAA`, 'algorithm')
  })

  it('rejects RS256→HS256 key confusion: an HMAC keyed with the RSA public key (JWK, SPKI and PEM forms)', async () => {
    const publicKey = await crypto.subtle.importKey('jwk', rsa.jwk as JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify'])
    const spki = new Uint8Array((await crypto.subtle.exportKey('spki', publicKey)) as ArrayBuffer)
    const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki)).replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`
    for (const secret of [spki, new TextEncoder().encode(JSON.stringify(rsa.jwk)), new TextEncoder().encode(pem)])
      await deniedOffline(await signHmac(secret, claims(), { alg: 'HS256', kid: 'rsa-1' }), 'algorithm')
  })

  it('rejects an HS256 token even when the allowlist names every asymmetric algorithm explicitly', async () => {
    const tok = await signHmac(new TextEncoder().encode(JSON.stringify(rsa.jwk)), claims(), { alg: 'HS256', kid: 'rsa-1' })
    await deniedOffline(tok, 'algorithm', { algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'EdDSA'] })
  })

  it('refetches an unknown kid once, then holds to the cooldown however many forged kids arrive', async () => {
    const s = await setup()
    const fresh = await makeKey('RS256', 'rotated-2')
    const at = (ms: number) => ({ startedAt: NOW_MS + ms })
    expect((await send(s.filter, bearer(await token(rsa)))).local).toBe(false)
    expect(await s.hits()).toBe(1)
    // Within 30 s (refetch_cooldown) of the load: no refetch at all.
    await expectDenied((await send(s.filter, bearer(await token(fresh), at(29_000)))).response, 'unknown_kid')
    expect(await s.hits()).toBe(1)
    await expectDenied((await send(s.filter, bearer(await token(fresh), at(30_000)))).response, 'unknown_kid')
    expect(await s.hits()).toBe(2)
    // 1000 forged kids (security.md §1.4); the kid is rejected before any signature check, so one signature serves.
    const [, p, sig] = (await token(rsa)).split('.') as [string, string, string]
    const forged = Array.from({ length: 1000 }, () => `${header({ alg: 'RS256', kid: crypto.randomUUID() })}.${p}.${sig}`)
    const replies = await Promise.all(forged.map((t) => send(s.filter, bearer(t, at(59_000)))))
    for (const r of replies) await expectDenied(r.response, 'unknown_kid')
    expect(await s.hits()).toBe(2)
    await expectDenied((await send(s.filter, bearer(forged[0]!, at(60_000)))).response, 'unknown_kid')
    expect(await s.hits()).toBe(3)
  })

  it('never resolves path-traversal, injection or prototype kid values to a key', async () => {
    const s = await setup()
    expect((await send(s.filter, bearer(await token(rsa)))).local).toBe(false) // keys loaded at NOW
    const kids = ['../../../../etc/passwd', '/dev/null', "rsa-1' OR '1'='1", 'rsa-1\u0000', 'rsa-1 ', 'RSA-1', '__proto__', 'constructor', 'toString', 'hasOwnProperty', `${jwksOrigin()}/jwks/x`, '%2e%2e%2f', '*']
    for (const kid of kids) {
      const { response } = await send(s.filter, bearer(await token(rsa, {}, { alg: 'RS256', kid }), { startedAt: NOW_MS + 30_000 }))
      await expectDenied(response, 'unknown_kid')
    }
    expect(await s.hits()).toBe(2) // the first load, then a single refetch for all of them
  })

  it('rejects a kid that is not a string', async () => {
    for (const kid of [1, null, ['rsa-1'], { kid: 'rsa-1' }]) await deniedOffline(await token(rsa, {}, { alg: 'RS256', kid }), 'malformed')
  })

  it('ignores jku, x5u and jwk headers: never fetches them, never trusts an embedded key', async () => {
    const s = await setup()
    const evil = uniqueName('evil')
    await serveJwks(evil, { keys: [mallory.jwk] })
    const hdr = { alg: 'RS256', kid: 'rsa-1', jku: jwksUrl(evil), x5u: `${jwksOrigin()}/x5u-${evil}`, jwk: mallory.jwk }
    await expectDenied((await send(s.filter, bearer(await token(mallory, {}, hdr)))).response, 'signature')
    const unknown = { ...hdr, kid: 'mallory' }
    await expectDenied((await send(s.filter, bearer(await token(mallory, {}, unknown)))).response, 'unknown_kid')
    expect(await jwksHits(evil)).toBe(0)
    expect(await hitsOf(`/x5u-${evil}`)).toBe(0)
  })

  it('rejects an expired token without fetching the JWKS, with the default 60 s skew and with none', async () => {
    await deniedOffline(await token(rsa, { exp: NOW - 61 }), 'expired')
    await deniedOffline(await token(rsa, { exp: NOW }), 'expired', { clock_skew: '0s' })
  })

  it('accepts a token expired less than clock_skew ago, and not at exp + skew', async () => {
    const s = await setup()
    expect((await send(s.filter, bearer(await token(rsa, { exp: NOW - 59 })))).local).toBe(false)
    await expectDenied((await send(s.filter, bearer(await token(rsa, { exp: NOW - 60 })))).response, 'expired')
  })

  it('rejects a token not yet valid (nbf) beyond the skew, accepts it within', async () => {
    await deniedOffline(await token(rsa, { nbf: NOW + 61 }), 'not_yet_valid')
    await deniedOffline(await token(rsa, { nbf: NOW + 1 }), 'not_yet_valid', { clock_skew: '0s' })
    const s = await setup()
    expect((await send(s.filter, bearer(await token(rsa, { nbf: NOW + 60 })))).local).toBe(false)
  })

  it('rejects a token issued in the future (iat) beyond the skew, accepts it within', async () => {
    await deniedOffline(await token(rsa, { iat: NOW + 61 }), 'iat_future')
    await deniedOffline(await token(rsa, { iat: NOW + 1 }), 'iat_future', { clock_skew: '0s' })
    const s = await setup()
    expect((await send(s.filter, bearer(await token(rsa, { iat: NOW + 60 })))).local).toBe(false)
  })

  it('rejects NumericDates that are not JSON numbers', async () => {
    for (const c of [{ exp: String(NOW + 60) }, { nbf: '0' }, { iat: null }]) await deniedOffline(await token(rsa, c), 'malformed')
  })

  it('rejects a token without exp (require_expiration defaults to true)', async () => {
    await deniedOffline(await token(rsa, { exp: undefined }), 'missing_exp')
  })

  it('rejects a wrong, differently-cased or missing iss without fetching the JWKS', async () => {
    for (const iss of ['https://evil.test', 'HTTPS://ISSUER.TEST', 'https://issuer.test/', undefined, ['https://issuer.test']])
      await deniedOffline(await token(rsa, { iss }), 'issuer')
  })

  it('answers 403 insufficient_scope for a wrong, missing or array-without-match aud', async () => {
    for (const aud of ['web', 'API', undefined, ['web', 'mobile'], [], [1, null]]) await deniedOffline(await token(rsa, { aud }), 'audience')
  })

  it('accepts an aud array with one accepted member', async () => {
    const s = await setup()
    expect((await send(s.filter, bearer(await token(rsa, { aud: ['web', 'api'] })))).local).toBe(false)
  })

  it('rejects a crit header naming an unknown extension (and any crit at all)', async () => {
    for (const crit of [['urn:example:unknown'], ['exp'], [], ['b64']])
      await deniedOffline(await token(rsa, {}, { alg: 'RS256', kid: 'rsa-1', crit, 'urn:example:unknown': true, b64: true }), 'malformed')
  })

  it('rejects malformed base64url, non-JSON and non-object segments', async () => {
    const good = await token(rsa)
    const [h, p, sig] = good.split('.') as [string, string, string]
    const bad = [
      `${h}=.${p}.${sig}`,
      `${h}.${p.slice(0, -1)}+.${sig}`,
      `${h}.${p}/.${sig}`,
      `${h.slice(0, -1)}.${p}.${sig}`, // one char short: not a whole base64 quantum
      `${b64u('{"alg":"RS256"')}.${p}.${sig}`,
      `${b64u('["RS256"]')}.${p}.${sig}`,
      `${h}.${b64u('"a string"')}.${sig}`,
      `${h}.${b64u(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.${sig}`, // invalid UTF-8
      `${h}.${p}.${sig}.${sig}`,
      `${h}..${sig}`,
      `.${p}.${sig}`,
    ]
    for (const t of bad) await deniedOffline(t, 'malformed')
  })

  it('rejects a token without a signature segment, or with an empty one', async () => {
    const [h, p] = (await token(rsa)).split('.') as [string, string]
    for (const t of [`${h}.${p}`, `${h}.${p}.`]) await deniedOffline(t, 'malformed')
  })

  it('rejects a token signed by another key under the trusted kid', async () => {
    const s = await setup()
    for (const key of [mallory, malloryEc]) await expectDenied((await send(s.filter, bearer(await token(key)))).response, 'signature')
    expect(await s.hits()).toBe(1)
  })

  it('rejects a token whose signature was altered by one bit', async () => {
    const s = await setup()
    const [h, p, sig] = (await token(rsa)).split('.') as [string, string, string]
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11)
    await expectDenied((await send(s.filter, bearer(`${h}.${p}.${flipped}`))).response, 'signature')
  })

  it('rejects an oversized token before parsing it, and a header value far past the limit', async () => {
    await deniedOffline(await token(rsa, { pad: 'x'.repeat(9000) }), 'too_large')
    await deniedOffline(await token(rsa, { pad: 'x'.repeat(600) }), 'too_large', { max_token_size: 512 })
    await deniedOffline(`${'a'.repeat(40_000)}.b.c`, 'too_large')
  })

  it('rejects an all-zero ECDSA signature (the CVE-2022-21449 class) and r = s = n', async () => {
    const [h, p] = (await token(ec)).split('.') as [string, string]
    const n = Uint8Array.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'.match(/../g)!, (x) => parseInt(x, 16))
    const rn = new Uint8Array(64)
    rn.set(n, 0)
    rn.set(n, 32)
    const s = await setup()
    for (const sig of [new Uint8Array(64), rn, new Uint8Array(8)])
      await expectDenied((await send(s.filter, bearer(`${h}.${p}.${b64u(sig)}`))).response, 'signature')
  })

  it('rejects an RS256 signature relabelled PS256 or RS512: no key for it when the JWK pins its alg', async () => {
    const s = await setup()
    const [, p, sig] = (await token(rsa)).split('.') as [string, string, string]
    for (const alg of ['PS256', 'RS512'])
      await expectDenied((await send(s.filter, bearer(`${header({ alg, kid: 'rsa-1' })}.${p}.${sig}`))).response, 'unknown_kid')
  })

  it('rejects an RS256 signature relabelled PS256 or RS512 when the JWK has no alg', async () => {
    const { alg: _, ...unpinned } = rsa.jwk
    const s = await setup({}, [unpinned])
    const [, p, sig] = (await token(rsa)).split('.') as [string, string, string]
    for (const alg of ['PS256', 'RS512'])
      await expectDenied((await send(s.filter, bearer(`${header({ alg, kid: 'rsa-1' })}.${p}.${sig}`))).response, 'signature')
  })

  it('rejects an ES256 token presented under an RSA kid (keys are pinned to their type)', async () => {
    const s = await setup()
    await expectDenied((await send(s.filter, bearer(await token(ec, {}, { alg: 'ES256', kid: 'rsa-1' })))).response, 'unknown_kid')
  })

  it('treats duplicate Authorization headers as invalid, never taking the first', async () => {
    const s = await setup()
    const good = await token(rsa)
    for (const value of [`Bearer ${good}, Bearer ${good}`, `Bearer ${good}, Bearer x.y.z`, `Basic dXNlcjpwdw==, Bearer ${good}`]) {
      const { response, rc } = await send(s.filter, { headers: { authorization: value } })
      await expectDenied(response, 'malformed')
      expect(rc.headers.has('authorization')).toBe(false)
    }
  })

  it('rejects two different tokens for one provider (header and query)', async () => {
    const s = await setup({ from_headers: [{ name: 'authorization', value_prefix: 'Bearer ' }], from_params: ['access_token'] })
    const a = await token(rsa)
    const b = await token(rsa, { sub: 'someone-else' })
    await expectDenied((await send(s.filter, bearer(a, { url: `/x?access_token=${b}` }))).response, 'multiple_tokens')
    expect((await send(s.filter, bearer(a, { url: `/x?access_token=${a}` }))).local).toBe(false)
  })

  it('rejects a valid signature over a payload that is not a JSON object', async () => {
    for (const payload of ['not json', '[1,2]', '"iss"', 'null']) await deniedOffline(await signRaw(rsa, payload), 'malformed')
  })
})
