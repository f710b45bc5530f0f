/**
 * @module Stored entries. The Cache API keeps a response for the `max-age` it is put with, so the stored copy's
 * Cache-Control is the entry's whole life (freshness plus stale windows); the origin's own Cache-Control and the
 * entry's times travel in two internal headers and are restored when the entry is served.
 */
import type { StorePlan } from './policy.ts'

const META = 'x-legate-cache-meta'
const ORIGIN_CC = 'x-legate-cache-cc'
/** Response headers never stored (per-hop or per-request) or set when served. */
const NOT_STORED = ['age', 'x-cache', 'set-cookie', 'x-request-id', 'x-envoy-upstream-service-time', 'x-envoy-attempt-count']

/** An entry read back: the response to serve (mutable headers) and its times. */
export interface Entry {
  response: Response
  storedAt: number
  freshMs: number
  swrMs: number
  sieMs: number
  /** The origin's Age when stored, ms. */
  ageMs: number
  /** Body size, bytes (stored bodies are buffered within max_body_bytes, so it is known). */
  bytes: number
}

type Planned = Extract<StorePlan, { store: true }>

/** The copy to put: same status and body, the origin's headers plus the entry's metadata. */
export function toStored(res: Response, body: Uint8Array | null, plan: Planned, storedAt: number): Response {
  const headers = new Headers(res.headers)
  for (const h of NOT_STORED) headers.delete(h)
  const cc = headers.get('cache-control')
  if (cc !== null) headers.set(ORIGIN_CC, cc)
  headers.set(META, `${storedAt};${plan.freshMs};${plan.swrMs};${plan.sieMs};${plan.ageMs};${body?.byteLength ?? 0}`)
  const lifeMs = plan.freshMs - plan.ageMs + Math.max(plan.swrMs, plan.sieMs)
  headers.set('cache-control', `public, max-age=${Math.max(1, Math.ceil(lifeMs / 1000) + 1)}`)
  headers.delete('expires')
  return new Response(body, { status: res.status, headers })
}

/** Reads a matched entry; undefined when it is not one of ours (no or bad metadata). */
export function fromStored(matched: Response): Entry | undefined {
  const meta = matched.headers.get(META)
  const parts = meta?.split(';').map(Number)
  if (!parts || parts.length !== 6 || parts.some((n) => !Number.isFinite(n))) return undefined
  const headers = new Headers(matched.headers)
  const cc = headers.get(ORIGIN_CC)
  if (cc !== null) headers.set('cache-control', cc)
  else headers.delete('cache-control')
  for (const h of [META, ORIGIN_CC, 'age']) headers.delete(h)
  const [storedAt, freshMs, swrMs, sieMs, ageMs, bytes] = parts as [number, number, number, number, number, number]
  return { response: new Response(matched.body, { status: matched.status, headers }), storedAt, freshMs, swrMs, sieMs, ageMs, bytes }
}

/** The entry's age at `now`, ms (RFC 9111 §4.2.3, simplified: stored time plus the origin's Age). */
export const ageOf = (e: Entry, now: number) => Math.max(0, now - e.storedAt) + e.ageMs

export type Freshness = 'fresh' | 'swr' | 'sie' | 'expired'

/** Where the entry is at `now`: fresh, in its stale-while-revalidate window, only in stale-if-error, or expired. */
export function freshnessOf(e: Entry, now: number): Freshness {
  const age = ageOf(e, now)
  if (age < e.freshMs) return 'fresh'
  if (age < e.freshMs + e.swrMs) return 'swr'
  if (age < e.freshMs + e.sieMs) return 'sie'
  return 'expired'
}
