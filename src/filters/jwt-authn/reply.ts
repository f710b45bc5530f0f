/**
 * @module jwt_authn local replies (Envoy filter.cc `onComplete`, RFC 6750 §3): missing token 401
 * `Bearer realm="…"`; any other failure 401 with `error="invalid_token"`; wrong audience, missing scope or claim
 * 403 with `error="insufficient_scope"`. Bodies are problem+json with the reason; nothing of the token is echoed.
 */
import { problem } from '../../http/problem.ts'
import { declareStats } from '../types.ts'
import { JWT_AUTHN_ERRORS } from './config.ts'
import type { DenyReason } from './token.ts'

const DETAIL: Record<DenyReason, string> = {
  missing: 'This route requires a JWT and the request carries none.',
  malformed: 'The JWT is malformed (structure, encoding, header or claim types).',
  too_large: 'The JWT is larger than this route accepts.',
  multiple_tokens: 'The request carries more than one JWT for the same provider.',
  algorithm: 'The JWT is signed with an algorithm this route does not accept.',
  issuer: 'The JWT was issued by an issuer this route does not trust.',
  missing_exp: 'The JWT has no expiration time.',
  expired: 'The JWT has expired.',
  not_yet_valid: 'The JWT is not valid yet (nbf).',
  iat_future: 'The JWT claims to be issued in the future (iat).',
  missing_iat: 'The JWT has no issued-at time (iat); this route limits token age.',
  too_old: 'The JWT was issued (iat) longer ago than this route accepts (max_token_age).',
  unknown_kid: 'No key of the issuer matches the JWT.',
  signature: 'The JWT signature does not verify.',
  jwks_unavailable: "The issuer's keys could not be obtained; try again shortly.",
  audience: 'The JWT is not intended for this audience.',
  scope: 'The JWT does not grant the scopes this route requires.',
  claim: 'The JWT lacks a claim this route requires.',
}

/** `jwt_authn.denied.<reason>`, interned: the hot path builds no stat names. */
export const DENIED_STAT = Object.fromEntries(Object.keys(DETAIL).map((r) => [r, `jwt_authn.denied.${r}`])) as Record<DenyReason, string>

/** Envoy's `allowed`/`denied`, denials by reason; JWKS and cache activity. */
export const JWT_AUTHN_STATS = declareStats('jwt_authn', {
  allowed: 'requests whose requirement was satisfied',
  ...Object.fromEntries(Object.entries(DETAIL).map(([reason, detail]) => [`denied.${reason}`, `refused: ${detail}`])),
  'jwks_fetch.success': 'JWKS documents fetched',
  'jwks_fetch.failure': 'JWKS fetches that failed',
  'jwks_refetch.suppressed': 'refetches for an unknown kid held back by the cooldown',
  'cache.hit': 'tokens found in the verified-token cache',
  'cache.miss': 'tokens verified anew',
})

/** 403 reasons; every other failure is 401. */
export const isForbidden = (r: DenyReason) => r === 'audience' || r === 'scope' || r === 'claim'

/** A realm safe inside a quoted-string: the host's own characters only. */
export const toRealm = (host: string) => host.replace(/[^A-Za-z0-9.:\-[\]]/g, '') || 'legate'

/**
 * The reply for a denied request.
 * @param scopes - required scopes, listed in `scope="…"` when they are what is missing (RFC 6750 §3).
 */
export function denyReply(reason: DenyReason, realm: string, requestId: string, scopes?: readonly string[]): Response {
  let challenge = `Bearer realm="${realm}"`
  const code = reason === 'missing' ? 'ERR_JWT_MISSING' : isForbidden(reason) ? 'ERR_JWT_FORBIDDEN' : 'ERR_JWT_INVALID'
  if (code === 'ERR_JWT_INVALID') challenge += ', error="invalid_token"'
  if (code === 'ERR_JWT_FORBIDDEN') {
    challenge += ', error="insufficient_scope"'
    if (reason === 'scope' && scopes?.length) challenge += `, scope="${scopes.join(' ')}"`
  }
  return problem({ code, detail: DETAIL[reason], requestId, headers: { 'www-authenticate': challenge }, extra: { reason } }, JWT_AUTHN_ERRORS)
}
