/**
 * @module IETF rate limit headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "name";q=100;w=60`
 * and `RateLimit: "name";r=42;t=13` (Structured Field lists; `t` in delay-seconds), plus `Retry-After` in
 * delay-seconds on refusals, never earlier than the refused policies' `t` (the draft's rule).
 */

export const POLICY_HEADER = 'ratelimit-policy'
export const RATELIMIT_HEADER = 'ratelimit'
export const RETRY_AFTER_HEADER = 'retry-after'

/** Milliseconds to whole delay-seconds, rounded up so a client never retries early. */
export const toSeconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000))

/**
 * A `RateLimit-Policy` list item, built once per limit. Names are restricted by the schema to characters that
 * need no escaping in an sf-string.
 * @param quota - `q`: units per window.
 * @param windowMs - `w`, rounded up to whole seconds (≥ 1).
 * @example policyItem('per-ip', 100, 60_000) // '"per-ip";q=100;w=60'
 */
export function policyItem(name: string, quota: number, windowMs: number): string {
  return `"${name}";q=${quota};w=${Math.max(1, toSeconds(windowMs))}`
}

/**
 * A `RateLimit` list item for one request.
 * @param remaining - `r`, clamped to ≥ 0 and rounded down.
 * @param resetMs - `t`, rounded up to seconds.
 * @example rateLimitItem('per-ip', 42, 12_001) // '"per-ip";r=42;t=13'
 */
export function rateLimitItem(name: string, remaining: number, resetMs: number): string {
  return `"${name}";r=${Math.max(0, Math.floor(remaining))};t=${toSeconds(resetMs)}`
}

/** The headers a refusal or a response carries: one list item per applied (enforced) limit. */
export interface LimitHeaders {
  policies: string[]
  states: string[]
  /** Longest wait among the refusing limits, ms; undefined when nothing refused. */
  retryAfterMs?: number
}

/**
 * Appends to `headers`, keeping any the upstream sent: a gateway must not make the advertised policy more
 * permissive, and list items from both stay visible.
 */
export function appendLimitHeaders(headers: Headers, h: LimitHeaders): void {
  if (h.policies.length) headers.append(POLICY_HEADER, h.policies.join(', '))
  if (h.states.length) headers.append(RATELIMIT_HEADER, h.states.join(', '))
  if (h.retryAfterMs !== undefined) headers.set(RETRY_AFTER_HEADER, String(Math.max(1, toSeconds(h.retryAfterMs))))
}
