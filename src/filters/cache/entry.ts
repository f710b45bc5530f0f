/**
 * @module Stored entries. The Cache API keeps a response for the `max-age` it is put with, so the stored copy's
 * Cache-Control is the entry's whole life (freshness, stale windows, time kept for revalidation); the origin's own
 * Cache-Control and the entry's times travel in two internal headers and are restored when the entry is read.
 */
import type { StorePlan } from './policy.ts'

const META = 'x-legate-cache-meta'
const ORIGIN_CC = 'x-legate-cache-cc'
/** Response headers never stored (per-hop or per-request) or set when served. */
const NOT_STORED = ['age', 'x-cache', 'set-cookie', 'x-request-id', 'x-envoy-upstream-service-time', 'x-envoy-attempt-count']

/**
 * An entry read back. `headers` are the origin's (as served, without the internal ones) and are shared: an entry
 * may sit in the in-isolate layer, so they are copied into each response, never changed.
 */
export interface Entry {
  status: number
  headers: Headers
  /** Bytes when read into memory (small entries), else the Cache API's stream (read or cancelled once). */
  body: Uint8Array | ReadableStream<Uint8Array> | null
  storedAt: number
  freshMs: number
  swrMs: number
  sieMs: number
  /** The origin's Age when stored, ms. */
  ageMs: number
  /** Body size, bytes (stored bodies are buffered within max_body_bytes, so it is known). */
  bytes: number
  /** Kept past the stale windows for revalidation, ms (0: no validator). */
  keepMs: number
}

type Planned = Extract<StorePlan, { store: true }>

/** The copy to put: same status and body, the origin's headers plus the entry's metadata. */
export function toStored(res: { status: number; headers: Headers }, body: Uint8Array | null, plan: Planned, storedAt: number): Response {
  const headers = new Headers(res.headers)
  for (const h of NOT_STORED) headers.delete(h)
  const cc = headers.get('cache-control')
  if (cc !== null) headers.set(ORIGIN_CC, cc)
  headers.set(META, `${storedAt};${plan.freshMs};${plan.swrMs};${plan.sieMs};${plan.ageMs};${body?.byteLength ?? 0};${plan.keepMs}`)
  const lifeMs = plan.freshMs - plan.ageMs + Math.max(plan.swrMs, plan.sieMs) + plan.keepMs
  headers.set('cache-control', `public, max-age=${Math.max(1, Math.ceil(lifeMs / 1000) + 1)}`)
  headers.delete('expires')
  return new Response(body, { status: res.status, headers })
}

/** Reads a stored response's status, headers and body; undefined when it is not one of ours (no or bad metadata). */
export function fromStored(status: number, stored: Headers, body: Entry['body']): Entry | undefined {
  const meta = stored.get(META)
  const parts = meta?.split(';').map(Number)
  if (!parts || parts.length !== 7 || parts.some((n) => !Number.isFinite(n))) return undefined
  const headers = new Headers(stored)
  const cc = headers.get(ORIGIN_CC)
  if (cc !== null) headers.set('cache-control', cc)
  else headers.delete('cache-control')
  for (const h of [META, ORIGIN_CC, 'age']) headers.delete(h)
  const [storedAt, freshMs, swrMs, sieMs, ageMs, bytes, keepMs] = parts as [number, number, number, number, number, number, number]
  return { status, headers, body, storedAt, freshMs, swrMs, sieMs, ageMs, bytes, keepMs }
}

/** Drops an entry's body without reading it (a stream is cancelled; bytes are left to the collector). */
export function discard(e: Entry | undefined): void {
  if (e?.body instanceof ReadableStream) void e.body.cancel()
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

/** Whether a stale entry may still be revalidated with the origin (it has a validator and is within its life). */
export const revalidatable = (e: Entry, now: number) => e.keepMs > 0 && ageOf(e, now) < e.freshMs + Math.max(e.swrMs, e.sieMs) + e.keepMs
