/**
 * @module jwt_authn verified-token cache: per provider, per isolate, a bounded LRU keyed by the token itself (Envoy's
 * `jwt_cache`; at most `jwt_cache_size` × `max_token_size` bytes of keys). An entry is never served at or past the
 * token's `exp`, nor after the provider's key set changed (a key removed from the JWKS stops its tokens at the
 * next refresh). The provider re-runs the time checks on every hit, so `max_token_age` stops a cached token too.
 */

export interface CachedToken {
  /** Verified claims, deep-frozen (shared by every request that hits the entry). */
  readonly payload: Readonly<Record<string, unknown>>
  readonly payloadSegment: string
  /** Milliseconds since the epoch: the entry is dead from here on. */
  readonly expiresAt: number
  /** Key-set generation the token was verified against. */
  readonly generation: number
}

export interface TokenCache {
  get(key: string, now: number, generation: number): CachedToken | undefined
  set(key: string, entry: CachedToken): void
  /** Whether `key` was stored (even if expired since): a stored token verified once, so it is well-formed. */
  has(key: string): boolean
  readonly size: number
}

/** An LRU of at most `capacity` entries (0: a cache that keeps nothing). */
export function createTokenCache(capacity: number): TokenCache {
  const map = new Map<string, CachedToken>()
  return {
    get(key, now, generation) {
      const e = map.get(key)
      if (!e) return undefined
      map.delete(key)
      if (now >= e.expiresAt || e.generation !== generation) return undefined
      map.set(key, e) // most recently used goes last
      return e
    },
    set(key, entry) {
      if (capacity === 0) return
      map.delete(key)
      map.set(key, entry)
      while (map.size > capacity) map.delete(map.keys().next().value!)
    },
    has: (key) => map.has(key),
    get size() {
      return map.size
    },
  }
}

/** Freezes a claims object and everything in it, so no later filter can alter a cached payload. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
