/**
 * Published vectors (test/support/jwt-rfc-vectors.ts): RFC 7515 Appendix A JWTs verify with the clock before
 * their `exp` and are refused after it; RFC 7515 A.4/A.5 and the RFC 7520 §4 JWS examples carry valid
 * signatures over a payload that is not a claims set, so a JWT verifier must refuse them.
 */
import { compactVerify, importJWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { RFC7515_A1, RFC7515_A2, RFC7515_A3, RFC7515_A4, RFC7515_A5, RFC7515_EXP, RFC7520 } from '../../support/jwt-rfc-vectors.ts'
import { bearer, buildJwt, expectDenied, send } from './_helpers.ts'

const BEFORE_EXP = (RFC7515_EXP - 3600) * 1000
/** Past exp plus the default 60 s skew. */
const AFTER_EXP = (RFC7515_EXP + 61) * 1000

const fromB64u = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0))

/** jose alone (no claims checks) confirms the vector's signature is genuine, so a refusal is about the payload. */
async function signatureIsValid(token: string, key: Record<string, unknown> | string, alg: string) {
  const k = typeof key === 'string' ? fromB64u(key) : await importJWK(key, alg)
  await expect(compactVerify(token, k, { algorithms: [alg] })).resolves.toHaveProperty('payload')
}

const local = (jwk: Record<string, unknown>) => ({ providers: { joe: { issuer: 'joe', local_jwks: { keys: [jwk] } } } })
const hmac = (secret: string) => ({ providers: { joe: { issuer: 'joe', hmac_secret: { inline: secret, encoding: 'base64url' } } } })

describe('RFC 7515 Appendix A', () => {
  const jwts = [
    { name: 'A.1 (HS256)', token: RFC7515_A1.token, config: hmac(RFC7515_A1.secret) },
    { name: 'A.2 (RS256)', token: RFC7515_A2.token, config: local(RFC7515_A2.jwk) },
    { name: 'A.3 (ES256)', token: RFC7515_A3.token, config: local(RFC7515_A3.jwk) },
  ]
  for (const v of jwts) {
    it(`accepts the ${v.name} example with the clock before its exp, with its claims as identity`, async () => {
      const { local: answered, rc } = await send(buildJwt(v.config), bearer(v.token, { startedAt: BEFORE_EXP }))
      expect(answered).toBe(false)
      expect(rc.identity.claims?.joe).toEqual({ iss: 'joe', exp: RFC7515_EXP, 'http://example.com/is_root': true })
    })

    it(`refuses the ${v.name} example once its exp (plus skew) has passed`, async () => {
      await expectDenied((await send(buildJwt(v.config), bearer(v.token, { startedAt: AFTER_EXP }))).response, 'expired')
    })
  }

  it('refuses the A.4 example (ES512 over "Payload", a valid signature on a non-JSON payload)', async () => {
    await signatureIsValid(RFC7515_A4.token, RFC7515_A4.jwk, 'ES512')
    await expectDenied((await send(buildJwt(local(RFC7515_A4.jwk)), bearer(RFC7515_A4.token, { startedAt: BEFORE_EXP }))).response, 'malformed')
  })

  it('refuses the A.5 unsecured example (alg none, empty signature)', async () => {
    await expectDenied((await send(buildJwt(local(RFC7515_A2.jwk)), bearer(RFC7515_A5.token, { startedAt: BEFORE_EXP }))).response, 'malformed')
  })

  it('refuses A.2 signed content under the A.3 key: each example verifies only with its own key', async () => {
    await expectDenied((await send(buildJwt(local(RFC7515_A3.jwk)), bearer(RFC7515_A2.token, { startedAt: BEFORE_EXP }))).response, 'unknown_kid')
  })
})

describe('RFC 7520 §4 JWS examples (valid signatures, payload not a JWT claims set)', () => {
  const cases = [
    { name: '§4.1 RSA v1.5 (RS256)', v: RFC7520.rs256, alg: 'RS256', key: RFC7520.rs256.jwk as Record<string, unknown> | string },
    { name: '§4.2 RSA-PSS (PS384)', v: RFC7520.ps384, alg: 'PS384', key: RFC7520.ps384.jwk },
    { name: '§4.3 ECDSA (ES512)', v: RFC7520.es512, alg: 'ES512', key: RFC7520.es512.jwk },
    { name: '§4.4 HMAC-SHA2 (HS256)', v: RFC7520.hs256, alg: 'HS256', key: RFC7520.hs256.secret },
  ]
  for (const c of cases) {
    it(`refuses the ${c.name} example`, async () => {
      await signatureIsValid(c.v.token, c.key, c.alg)
      const provider =
        typeof c.key === 'string'
          ? { hmac_secret: { inline: c.key, encoding: 'base64url' } }
          : { local_jwks: { keys: [c.key] }, algorithms: [c.alg] }
      const { response } = await send(buildJwt({ providers: { bilbo: provider } }), bearer(c.v.token))
      await expectDenied(response, 'malformed')
    })
  }
})
