/**
 * @module jwt_authn token decoding and the checks that need no key: shape, header, issuer, times, audience.
 * They run before any JWKS fetch, so a forged, expired or foreign token can never drive JWKS traffic
 * (Envoy asserts zero fetches for these). The signature is checked afterwards, by jose, with a pinned key.
 */
import type { Algorithm } from './keys.ts'

/** Why a token was refused: 401 invalid_token, except `audience` (403, as in Envoy). */
export type DenyReason =
  | 'missing'
  | 'malformed'
  | 'too_large'
  | 'multiple_tokens'
  | 'algorithm'
  | 'issuer'
  | 'missing_exp'
  | 'expired'
  | 'not_yet_valid'
  | 'iat_future'
  | 'missing_iat'
  | 'too_old'
  | 'unknown_kid'
  | 'signature'
  | 'jwks_unavailable'
  | 'audience'
  | 'scope'
  | 'claim'

/** Header and claims, decoded but not yet trusted. */
export interface DecodedToken {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  alg: Algorithm
  kid: string | undefined
  /** The payload segment as sent (base64url of the claims JSON). */
  payloadSegment: string
}

/** Compact JWS with a non-empty signature; base64url without padding. */
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Strict base64url → UTF-8 → JSON object, or undefined. */
function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  if (segment.length % 4 === 1) return undefined
  try {
    const b64 = segment.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))
    const value: unknown = JSON.parse(STRICT_UTF8.decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The unverified `iss` of a token, to attribute a shared location to a provider (never trusted). */
export function peekIssuer(token: string): unknown {
  const segment = token.split('.', 2)[1]
  return segment === undefined ? undefined : decodeJsonSegment(segment)?.iss
}

/** True when `token` looks like a compact JWS (three base64url segments, a signature present). */
export const isCompactJws = (token: string): boolean => COMPACT.test(token)

/**
 * Decodes a token and checks its header against the allowlist. `crit` is refused outright: Legate understands
 * no JWS extension (RFC 7515 §4.1.11), and `b64: false` is not allowed in a JWT. `jku`, `x5u`, `jwk` and `x5c`
 * are ignored: keys come only from the provider's configuration (RFC 8725 §3.10).
 */
export function decodeToken(token: string, allowed: ReadonlySet<string>): DecodedToken | { reason: DenyReason } {
  if (!COMPACT.test(token)) return { reason: 'malformed' }
  const [h, p] = token.split('.') as [string, string, string]
  const header = decodeJsonSegment(h)
  const payload = header && decodeJsonSegment(p)
  if (!header || !payload) return { reason: 'malformed' }
  const { alg, kid } = header
  if (typeof alg !== 'string' || !allowed.has(alg)) return { reason: 'algorithm' }
  if (header.crit !== undefined || header.b64 !== undefined) return { reason: 'malformed' }
  if (kid !== undefined && typeof kid !== 'string') return { reason: 'malformed' }
  return { header, payload, alg: alg as Algorithm, kid, payloadSegment: p }
}

export interface ClaimRules {
  issuer: string | undefined
  /** Seconds (whole: the schema refuses fractions). */
  skew: number
  requireExpiration: boolean
  /** `max_token_age` in seconds; when set, `iat` is required. */
  maxAge?: number | undefined
}

const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const

/**
 * Issuer and time checks, in seconds as jose does them (`now` floored): valid while now < exp + skew,
 * from nbf - skew, with iat ≤ now + skew and, under `maxAge`, now - iat - skew ≤ maxAge (jose `maxTokenAge`).
 * NumericDates must be JSON numbers (RFC 7519 §2). Also run on every token cache hit, so a cached token stops
 * at the same second as a fresh one.
 */
export function checkClaims(payload: Record<string, unknown>, rules: ClaimRules, nowMs: number): DenyReason | undefined {
  if (rules.issuer !== undefined && payload.iss !== rules.issuer) return 'issuer'
  for (const c of TIME_CLAIMS) if (payload[c] !== undefined && typeof payload[c] !== 'number') return 'malformed'
  const now = Math.floor(nowMs / 1000)
  const { exp, nbf, iat } = payload as { exp?: number; nbf?: number; iat?: number }
  if (exp === undefined) {
    if (rules.requireExpiration) return 'missing_exp'
  } else if (exp <= now - rules.skew) return 'expired'
  if (nbf !== undefined && nbf > now + rules.skew) return 'not_yet_valid'
  if (iat !== undefined && iat > now + rules.skew) return 'iat_future'
  if (rules.maxAge !== undefined) {
    if (iat === undefined) return 'missing_iat'
    if (now - iat - rules.skew > rules.maxAge) return 'too_old'
  }
  return undefined
}

/** RFC 7519 §4.1.3: `aud` is a string or an array of strings; one match with `audiences` is enough. */
export function audienceMatches(payload: Record<string, unknown>, audiences: readonly string[] | undefined): boolean {
  if (!audiences) return true
  const aud = payload.aud
  if (typeof aud === 'string') return audiences.includes(aud)
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && audiences.includes(a))
}
