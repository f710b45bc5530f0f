/**
 * @module jwt_authn keys: which algorithms a key may verify, pinned by its type (RFC 8725 §3.1), and the
 * CryptoKeys imported for them. A JWKS never yields an HMAC key: `oct` entries are skipped, so a public key can
 * never become a MAC secret (the RS256→HS256 confusion).
 */
import { importJWK } from 'jose'
import { isObject } from '../../lib/is-object.ts'

export const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const
export const EC_ALGORITHMS = ['ES256', 'ES384', 'ES512'] as const
export const OKP_ALGORITHMS = ['EdDSA', 'Ed25519'] as const
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
/** Verified with a JWKS (remote or local). */
export const ASYMMETRIC_ALGORITHMS = [...RSA_ALGORITHMS, ...EC_ALGORITHMS, ...OKP_ALGORITHMS] as const
/** Every algorithm a provider may allow. `none` is not one of them, and never will be. */
export const ALGORITHMS = [...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS] as const
export type Algorithm = (typeof ALGORITHMS)[number]
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]

/** Keys parsed from one JWKS document at most; the rest are ignored. */
export const MAX_JWKS_KEYS = 100

const CURVE_ALGORITHM: Record<string, Algorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }
const HMAC_HASH: Record<HmacAlgorithm, { hash: string; bytes: number }> = {
  HS256: { hash: 'SHA-256', bytes: 32 },
  HS384: { hash: 'SHA-384', bytes: 48 },
  HS512: { hash: 'SHA-512', bytes: 64 },
}

/** One key of a key set, usable with exactly the algorithms in `algorithms`. */
export interface VerificationKey {
  readonly kid: string | undefined
  /** A configured secret, not a JWKS member: it verifies whatever `kid` a token names (jose ignores `kid` too). */
  readonly anyKid?: true
  readonly algorithms: ReadonlySet<Algorithm>
  /** The CryptoKey for `alg` (imported once, on first use). Rejects when the key material is unusable. */
  cryptoKey(alg: Algorithm): Promise<CryptoKey>
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0

/** The public members only: a JWKS that leaks `d` must not make us import a private key. */
function publicJwk(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const { kty } = jwk
  const pick = (names: string[]) => {
    const out: Record<string, string> = { kty: kty as string }
    for (const n of names) {
      const v = jwk[n]
      if (!isStr(v)) return undefined
      out[n] = v
    }
    return out
  }
  if (kty === 'RSA') return pick(['n', 'e'])
  if (kty === 'EC') return pick(['crv', 'x', 'y'])
  if (kty === 'OKP') return jwk.crv === 'Ed25519' ? pick(['crv', 'x']) : undefined
  return undefined
}

/** Algorithms a JWK may verify: by key type and curve, narrowed by its own `alg`, then by the allowlist. */
function algorithmsFor(jwk: Record<string, string>, declared: unknown, allowed: ReadonlySet<Algorithm>): Set<Algorithm> {
  let byType: readonly Algorithm[]
  if (jwk.kty === 'RSA') byType = RSA_ALGORITHMS
  else if (jwk.kty === 'EC') byType = CURVE_ALGORITHM[jwk.crv!] ? [CURVE_ALGORITHM[jwk.crv!]!] : []
  else byType = OKP_ALGORITHMS
  const out = new Set<Algorithm>()
  for (const a of byType) if (allowed.has(a) && (declared === undefined || declared === a)) out.add(a)
  return out
}

function createAsymmetricKey(kid: string | undefined, jwk: Record<string, string>, algorithms: Set<Algorithm>): VerificationKey {
  const imported = new Map<Algorithm, Promise<CryptoKey>>()
  return {
    kid,
    algorithms,
    cryptoKey(alg) {
      let p = imported.get(alg)
      if (!p) {
        p = importJWK({ ...jwk, ext: true }, alg) as Promise<CryptoKey>
        p.catch(() => {}) // awaited by the verifier; never an unhandled rejection
        imported.set(alg, p)
      }
      return p
    },
  }
}

/** Why a JWKS document was refused, or the keys it yields (entries that are unusable are skipped). */
export type ParsedJwks = { ok: true; keys: VerificationKey[]; skipped: number } | { ok: false; error: string }

/**
 * Parses a JWKS document into verification keys. Skipped: `oct` and unknown key types, `use` other than
 * `sig`, `key_ops` without `verify`, non-string `kid`, curves we cannot verify, keys whose `alg` is not allowed.
 * @param allowed - the provider's algorithm allowlist.
 */
export function parseJwks(doc: unknown, allowed: ReadonlySet<Algorithm>): ParsedJwks {
  if (!isObject(doc) || !Array.isArray(doc.keys)) return { ok: false, error: 'not a JWKS: expected {"keys": [...]}' }
  const keys: VerificationKey[] = []
  let skipped = 0
  for (const entry of doc.keys.slice(0, MAX_JWKS_KEYS)) {
    const usable =
      isObject(entry) &&
      (entry.use === undefined || entry.use === 'sig') &&
      (entry.key_ops === undefined || (Array.isArray(entry.key_ops) && entry.key_ops.includes('verify'))) &&
      (entry.kid === undefined || typeof entry.kid === 'string') &&
      (entry.alg === undefined || typeof entry.alg === 'string')
    const jwk = usable ? publicJwk(entry) : undefined
    const algorithms = jwk ? algorithmsFor(jwk, (entry as Record<string, unknown>).alg, allowed) : new Set<Algorithm>()
    if (!jwk || algorithms.size === 0) {
      skipped++
      continue
    }
    keys.push(createAsymmetricKey((entry as { kid?: string }).kid, jwk, algorithms))
  }
  skipped += Math.max(0, doc.keys.length - MAX_JWKS_KEYS)
  if (keys.length === 0) return { ok: false, error: `no usable key for the allowed algorithms (${doc.keys.length} entries)` }
  return { ok: true, keys, skipped }
}

/** Decodes an HMAC secret as configured. */
export function secretBytes(secret: string, encoding: 'utf8' | 'base64url'): Uint8Array | undefined {
  if (encoding === 'utf8') return new TextEncoder().encode(secret)
  if (!/^[A-Za-z0-9_-]*$/.test(secret) || secret.length % 4 === 1) return undefined
  const b64 = secret.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (secret.length % 4)) % 4)
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
}

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. Returns the shortest allowed length. */
export function minSecretBytes(algorithms: Iterable<Algorithm>): number {
  let min = 0
  for (const a of algorithms) if (a in HMAC_HASH) min = Math.max(min, HMAC_HASH[a as HmacAlgorithm].bytes)
  return min
}

/** A configured HMAC secret as a key; only for HS* algorithms (the allowlist is already HMAC-only). */
export function createHmacKey(bytes: Uint8Array, algorithms: Set<Algorithm>): VerificationKey {
  const imported = new Map<Algorithm, Promise<CryptoKey>>()
  return {
    kid: undefined,
    anyKid: true,
    algorithms,
    cryptoKey(alg) {
      let p = imported.get(alg)
      if (!p) {
        const hash = HMAC_HASH[alg as HmacAlgorithm]
        p = hash
          ? crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: hash.hash }, false, ['verify'])
          : Promise.reject(new TypeError(`${alg} is not an HMAC algorithm`))
        p.catch(() => {})
        imported.set(alg, p)
      }
      return p
    },
  }
}
