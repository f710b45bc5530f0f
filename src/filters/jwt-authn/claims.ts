/** @module jwt_authn claims: nested lookup (`a.b.c`), granted scopes, required claims, claim headers. */

/** Compiled `claims` requirement entry. */
export interface ClaimCheck {
  path: readonly string[]
  values: ReadonlySet<string> | undefined
}

/** Splits `a.b.c` once, at compile time. */
export const toPath = (name: string): string[] => name.split('.')

/** Walks own properties only: `__proto__` or `constructor` in a claim name never reaches a prototype. */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let v: unknown = payload
  for (const key of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

const SCOPES = new WeakMap<object, readonly string[]>()

/** Scopes granted by a token: `scope` (space-delimited, RFC 8693) and `scp` (array or space-delimited). */
export function scopesOf(payload: Readonly<Record<string, unknown>>): readonly string[] {
  // A frozen payload (every verified one: shared by the token cache's hits) never changes: its scopes are kept.
  const frozen = Object.isFrozen(payload)
  const known = frozen ? SCOPES.get(payload) : undefined
  if (known) return known
  const out = new Set<string>()
  for (const c of [payload.scope, payload.scp]) {
    if (typeof c === 'string') for (const s of c.split(' ')) s && out.add(s)
    else if (Array.isArray(c)) for (const s of c) typeof s === 'string' && s && out.add(s)
  }
  const scopes = [...out]
  if (frozen) SCOPES.set(payload, scopes)
  return scopes
}

const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? JSON.stringify(v) : undefined

/** A required claim holds: present, and (when values are listed) equal to one, or an array containing one. */
export function claimHolds(payload: Readonly<Record<string, unknown>>, check: ClaimCheck): boolean {
  const v = claimAt(payload, check.path)
  if (v === undefined || v === null) return false
  if (!check.values) return true
  const list = Array.isArray(v) ? v : [v]
  return list.some((x) => {
    const s = scalar(x)
    return s !== undefined && check.values!.has(s)
  })
}

/** Header values may hold visible ASCII, space and tab only; anything else is not forwarded. */
const SAFE_VALUE = /^[\x20-\x7e\t]*$/

const toBase64url = (s: string) => {
  const bytes = new TextEncoder().encode(s)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * A claim as a header value (Envoy `claim_to_headers`): strings as is, numbers and booleans as JSON, arrays of
 * scalars joined with ",", objects as base64url JSON. Undefined when absent or not representable safely.
 */
export function claimHeaderValue(v: unknown): string | undefined {
  let out: string | undefined
  if (v === undefined || v === null) return undefined
  if (Array.isArray(v) && v.every((x) => scalar(x) !== undefined)) out = v.map(scalar).join(',')
  else if (typeof v === 'object') out = toBase64url(JSON.stringify(v))
  else out = scalar(v)
  return out !== undefined && SAFE_VALUE.test(out) ? out : undefined
}
