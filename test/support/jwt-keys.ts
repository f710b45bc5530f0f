/**
 * @module Test key material for jwt_authn, generated with jose at test time (no private keys in the repo), and a
 * raw JWS signer that can build anything a hostile client could send: `crit`, `jku`, non-JSON payloads,
 * an HS256 token keyed with an RSA public key, zero signatures.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose'

export type TestAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA'

export interface TestKey {
  kid: string
  alg: TestAlg
  privateKey: CryptoKey
  /** Public JWK with `kid` (and `alg`, `use`), as a JWKS serves it. */
  jwk: JWK
}

/** The clock every test uses: `makeContext`'s default `startedAt` (2026-11-26T12:00:00Z). */
export const NOW_MS = Date.parse('2026-11-26T12:00:00Z')
export const NOW = NOW_MS / 1000

/** A fresh key pair; `kid` defaults to a random id. */
export async function makeKey(alg: TestAlg, kid: string = crypto.randomUUID()): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey: privateKey as CryptoKey, jwk }
}

/** base64url of bytes or of a string's UTF-8. */
export function b64u(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const SIGN_PARAMS: Record<TestAlg, SubtleCryptoSignAlgorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  EdDSA: { name: 'Ed25519' },
}

/**
 * Signs exactly what it is given. `header` defaults to `{ alg, kid }` of the key; a string payload is used
 * as is (non-JSON payloads), an object is JSON-encoded.
 */
export async function signRaw(key: TestKey, payload: Record<string, unknown> | string, header?: Record<string, unknown>): Promise<string> {
  const h = b64u(JSON.stringify(header ?? { alg: key.alg, kid: key.kid }))
  const p = b64u(typeof payload === 'string' ? payload : JSON.stringify(payload))
  const input = new TextEncoder().encode(`${h}.${p}`)
  const sig = new Uint8Array(await crypto.subtle.sign(SIGN_PARAMS[key.alg], key.privateKey, input))
  return `${h}.${p}.${b64u(sig)}`
}

/** HS256 over `header.payload` with arbitrary key bytes (e.g. an RSA public key: the confusion attack). */
export async function signHmac(secret: Uint8Array, payload: Record<string, unknown> | string, header: Record<string, unknown> = { alg: 'HS256' }): Promise<string> {
  const h = b64u(JSON.stringify(header))
  const p = b64u(typeof payload === 'string' ? payload : JSON.stringify(payload))
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${h}.${p}`)))
  return `${h}.${p}.${b64u(sig)}`
}

/** Standard claims valid at NOW for an hour, plus `extra`. */
export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'https://issuer.test', sub: 'user-1', aud: 'api', iat: NOW, exp: NOW + 3600, ...extra }
}

/** A signed token with the standard claims (merged with `extra`) and the key's `{ alg, kid }` header. */
export const token = (key: TestKey, extra: Record<string, unknown> = {}, header?: Record<string, unknown>) =>
  signRaw(key, claims(extra), header)
