/**
 * @module The per-isolate API key cache: records by key hash, fetched from KV on a miss, reused for a TTL. Found
 * and unknown keys live in separate bounded maps, so spraying random keys can evict only other unknown keys.
 * Concurrent misses for the same hash share one KV read. Time comes from the caller (`rc.startedAt`).
 */
import { apiKeyStorageKey, parseApiKeyRecord } from '../../lib/api-keys.ts'

/** A record as the filter uses it, with the expiry parsed once. */
export interface CachedKey {
  consumer: string
  scopes: readonly string[]
  /** The joined scopes header value, computed once. */
  scopesValue: string
  enabled: boolean
  /** Epoch ms; undefined: never expires. */
  expiresAt: number | undefined
}

/** What a lookup found: a record, nothing, a stored value that is not a record, or a KV failure. */
export type Lookup =
  | { kind: 'found'; key: CachedKey }
  | { kind: 'unknown' }
  | { kind: 'bad_record' }
  | { kind: 'error'; message: string }

interface Entry<T> {
  value: T
  at: number
}

/** Upper bound on cached records per isolate (a record is ~200 bytes). */
export const MAX_FOUND_ENTRIES = 10_000
/** Upper bound on remembered unknown keys per isolate. */
export const MAX_UNKNOWN_ENTRIES = 1_000

const found = new Map<string, Entry<Lookup>>()
const unknown = new Map<string, number>()
const inflight = new Map<string, Promise<Lookup>>()

/** Inserts at the recent end, evicting the oldest entry past `max` (Map keeps insertion order). */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number) {
  map.delete(key)
  map.set(key, value)
  if (map.size > max) map.delete(map.keys().next().value!)
}

async function load(kv: KVNamespace, hash: string): Promise<Lookup> {
  let raw: string | null
  try {
    raw = await kv.get(apiKeyStorageKey(hash), 'text')
  } catch (e) {
    return { kind: 'error', message: (e as Error)?.message ?? String(e) }
  }
  if (raw === null) return { kind: 'unknown' }
  const record = parseApiKeyRecord(raw)
  if (!record) return { kind: 'bad_record' }
  const expiresAt = record.expires_at === undefined ? undefined : Date.parse(record.expires_at)
  return {
    kind: 'found',
    key: { consumer: record.consumer, scopes: record.scopes, scopesValue: record.scopes.join(','), enabled: record.enabled, expiresAt },
  }
}

/** Options for one lookup. */
export interface LookupOptions {
  /** The request's clock (`rc.startedAt`), epoch ms. */
  now: number
  /** Reuse a found (or malformed) record for this long. */
  ttlMs: number
  /** Reuse "unknown" for this long. */
  negativeTtlMs: number
}

/**
 * The record for `hash`: from the cache when fresh, else from KV (awaited: the first request with a key, and the
 * first after each TTL, pays one KV read). KV failures are never cached.
 */
export async function lookupKey(kv: KVNamespace, hash: string, o: LookupOptions): Promise<{ lookup: Lookup; cached: boolean }> {
  const hit = found.get(hash)
  if (hit && o.now - hit.at < o.ttlMs && o.now >= hit.at) return { lookup: hit.value, cached: true }
  const miss = unknown.get(hash)
  if (miss !== undefined && o.now - miss < o.negativeTtlMs && o.now >= miss) return { lookup: { kind: 'unknown' }, cached: true }
  let pending = inflight.get(hash)
  if (!pending) {
    pending = load(kv, hash).finally(() => inflight.delete(hash))
    inflight.set(hash, pending)
  }
  const lookup = await pending
  if (lookup.kind === 'unknown') {
    found.delete(hash)
    remember(unknown, hash, o.now, MAX_UNKNOWN_ENTRIES)
  } else if (lookup.kind !== 'error') {
    unknown.delete(hash)
    remember(found, hash, { value: lookup, at: o.now }, MAX_FOUND_ENTRIES)
  }
  return { lookup, cached: false }
}

/** Sizes of the cache maps (tests and the admin view). */
export function apiKeyCacheSize(): { found: number; unknown: number } {
  return { found: found.size, unknown: unknown.size }
}
