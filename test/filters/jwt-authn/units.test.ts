/** Pure pieces of jwt_authn, table-driven: claim checks, key pinning, claim lookup, the LRU. */
import { describe, expect, it } from 'vitest'
import { claimAt, claimHeaderValue, claimHolds, scopesOf } from '../../../src/filters/jwt-authn/claims.ts'
import { ALGORITHMS, type Algorithm } from '../../../src/filters/jwt-authn/index.ts'
import { parseJwks } from '../../../src/filters/jwt-authn/keys.ts'
import { audienceMatches, checkClaims } from '../../../src/filters/jwt-authn/token.ts'
import { createTokenCache } from '../../../src/filters/jwt-authn/token-cache.ts'
import { RFC7515_A2, RFC7515_A3 } from '../../support/jwt-rfc-vectors.ts'

const NOW = 1_800_000_000
const rules = { issuer: 'iss', skew: 60, requireExpiration: true }

describe('checkClaims (seconds, as jose counts them)', () => {
  it.each([
    ['valid', { iss: 'iss', exp: NOW + 1 }, undefined],
    ['exp just inside the skew', { iss: 'iss', exp: NOW - 59 }, undefined],
    ['exp at now - skew', { iss: 'iss', exp: NOW - 60 }, 'expired'],
    ['nbf at now + skew', { iss: 'iss', exp: NOW + 9, nbf: NOW + 60 }, undefined],
    ['nbf past now + skew', { iss: 'iss', exp: NOW + 9, nbf: NOW + 61 }, 'not_yet_valid'],
    ['iat past now + skew', { iss: 'iss', exp: NOW + 9, iat: NOW + 61 }, 'iat_future'],
    ['no exp', { iss: 'iss' }, 'missing_exp'],
    ['exp as a string', { iss: 'iss', exp: String(NOW + 9) }, 'malformed'],
    ['wrong issuer first', { iss: 'other', exp: NOW - 1000 }, 'issuer'],
  ] as const)('%s', (_, payload, want) => {
    expect(checkClaims(payload, rules, NOW * 1000 + 999)).toBe(want)
  })

  it.each([
    ['iat exactly max age + skew ago', { exp: NOW + 9, iat: NOW - 360 }, undefined],
    ['iat one second more', { exp: NOW + 9, iat: NOW - 361 }, 'too_old'],
    ['no iat', { exp: NOW + 9 }, 'missing_iat'],
    ['iat as a string', { exp: NOW + 9, iat: String(NOW) }, 'malformed'],
    ['iat in the future beyond the skew', { exp: NOW + 9, iat: NOW + 61 }, 'iat_future'],
  ] as const)('max_token_age 300 s: %s', (_, payload, want) => {
    expect(checkClaims(payload, { issuer: undefined, skew: 60, requireExpiration: true, maxAge: 300 }, NOW * 1000 + 999)).toBe(want)
  })

  it('accepts a token without exp when require_expiration is off', () => {
    expect(checkClaims({}, { issuer: undefined, skew: 0, requireExpiration: false }, NOW * 1000)).toBeUndefined()
  })
})

describe('audienceMatches (RFC 7519 §4.1.3)', () => {
  it.each([
    ['api', true],
    [['x', 'api'], true],
    ['API', false],
    [['x'], false],
    [[], false],
    [undefined, false],
    [[{ aud: 'api' }], false],
  ] as const)('aud %j', (aud, want) => {
    expect(audienceMatches({ aud }, ['api'])).toBe(want)
  })

  it('does not check when no audiences are configured', () => {
    expect(audienceMatches({}, undefined)).toBe(true)
  })
})

describe('parseJwks: keys pinned to their type', () => {
  const all = new Set<Algorithm>(ALGORITHMS)
  const algs = (doc: unknown, allowed = all) => {
    const r = parseJwks(doc, allowed)
    return r.ok ? r.keys.map((k) => [...k.algorithms]) : r.error
  }

  it('gives an RSA key the RSA algorithms only, an EC key the one of its curve', () => {
    expect(algs({ keys: [RFC7515_A2.jwk, RFC7515_A3.jwk] })).toEqual([['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'], ['ES256']])
  })

  it('narrows to the JWK alg and to the allowlist', () => {
    expect(algs({ keys: [{ ...RFC7515_A2.jwk, alg: 'PS256' }] })).toEqual([['PS256']])
    expect(algs({ keys: [RFC7515_A2.jwk] }, new Set<Algorithm>(['RS256', 'ES256']))).toEqual([['RS256']])
    expect(algs({ keys: [{ ...RFC7515_A3.jwk, alg: 'ES384' }] })).toMatch('no usable key')
  })

  it('never yields an HMAC key, whatever the allowlist says', () => {
    expect(algs({ keys: [{ kty: 'oct', k: 'AAAA', alg: 'HS256' }] })).toMatch('no usable key')
  })

  it('skips keys with non-string kid, wrong use or key_ops, unknown curves, missing members', () => {
    const bad = [
      { ...RFC7515_A3.jwk, kid: 5 },
      { ...RFC7515_A3.jwk, use: 'enc' },
      { ...RFC7515_A3.jwk, key_ops: ['sign'] },
      { ...RFC7515_A3.jwk, crv: 'P-192' },
      { kty: 'RSA', e: 'AQAB' },
      { kty: 'OKP', crv: 'X25519', x: 'AAAA' },
      'not an object',
    ]
    const r = parseJwks({ keys: [...bad, RFC7515_A3.jwk] }, all)
    expect(r).toMatchObject({ ok: true, skipped: bad.length })
  })

  it('imports only the public members of a JWK that leaks its private key', async () => {
    const leaked = { ...RFC7515_A3.jwk, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' }
    const r = parseJwks({ keys: [leaked] }, all)
    if (!r.ok) throw new Error(r.error)
    expect((await r.keys[0]!.cryptoKey('ES256')).type).toBe('public')
  })
})

describe('claims', () => {
  const payload = { a: { b: { c: 1 } }, s: 'x', list: ['p', 2, true], obj: { k: 'v' }, nl: 'a\r\nb', utf: 'café' }

  it('looks up nested claims through own properties only', () => {
    expect(claimAt(payload, ['a', 'b', 'c'])).toBe(1)
    expect(claimAt(payload, ['a', 'x'])).toBeUndefined()
    expect(claimAt(payload, ['__proto__'])).toBeUndefined()
    expect(claimAt(payload, ['s', 'length'])).toBeUndefined()
    expect(claimAt(payload, ['list', '0'])).toBeUndefined()
  })

  it('renders claims as header values, refusing what a header cannot carry', () => {
    expect(['s', 'list', 'obj', 'nl', 'utf'].map((k) => claimHeaderValue(claimAt(payload, [k])))).toEqual(['x', 'p,2,true', 'eyJrIjoidiJ9', undefined, undefined])
  })

  it('collects scopes from scope and scp, without duplicates or empty entries', () => {
    expect(scopesOf({ scope: ' a  b ', scp: ['b', 'c', 3] })).toEqual(['a', 'b', 'c'])
    expect(scopesOf({ scp: 'x y' })).toEqual(['x', 'y'])
  })

  it('computes the scopes of a frozen (verified, cached) payload once; a payload that may change, every time', () => {
    const frozen = Object.freeze({ scope: 'a b' })
    expect(scopesOf(frozen)).toBe(scopesOf(frozen))
    const open: Record<string, unknown> = { scope: 'a b' }
    expect(scopesOf(open)).toEqual(['a', 'b'])
    open.scope = 'c'
    expect(scopesOf(open)).toEqual(['c'])
  })

  it('checks required claim values against scalars and array members', () => {
    const check = (name: string, values?: string[]) => claimHolds(payload, { path: name.split('.'), values: values && new Set(values) })
    expect([check('a.b.c', ['1']), check('list', ['true']), check('s'), check('obj', ['v']), check('missing')]).toEqual([true, true, true, false, false])
  })
})

describe('token cache', () => {
  const entry = (expiresAt: number, generation = 1) => ({ payload: {}, payloadSegment: '', expiresAt, generation })

  it('evicts the least recently used entry and never serves past expiry or another key generation', () => {
    const c = createTokenCache(2)
    c.set('a', entry(100))
    c.set('b', entry(100))
    expect(c.get('a', 0, 1)).toBeDefined()
    c.set('c', entry(100))
    expect([c.get('b', 0, 1), c.size]).toEqual([undefined, 2])
    expect(c.get('a', 100, 1)).toBeUndefined()
    expect(c.get('c', 0, 2)).toBeUndefined()
  })

  it('keeps nothing with capacity 0', () => {
    const c = createTokenCache(0)
    c.set('a', entry(100))
    expect(c.get('a', 0, 1)).toBeUndefined()
    expect(c.has('a')).toBe(false)
  })

  it('says whether a token is stored, expired or not (it verified once: it is well-formed), without touching its use order', () => {
    const c = createTokenCache(2)
    c.set('a', entry(100))
    c.set('b', entry(100))
    expect([c.has('a'), c.has('b'), c.has('x')]).toEqual([true, true, false])
    c.set('c', entry(100)) // `has` did not make `a` recently used: it is evicted
    expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([false, true, true])
    expect(c.has('b')).toBe(true) // past its expiry until a `get` finds it dead
    expect(c.get('b', 100, 1)).toBeUndefined()
    expect(c.has('b')).toBe(false)
  })
})
