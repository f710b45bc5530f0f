/**
 * @module Key hashing and sharding: which RateLimiter object owns a key (jump consistent hash, so changing the
 * shard count moves only the keys that must move), and a bounded form for very long keys. Pure.
 */

/**
 * cyrb53: a fast 53-bit string hash (not cryptographic; keys are not secret, only spread).
 * @param seed - a different seed gives an independent hash. @default 0
 */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * Jump consistent hash (Lamping & Veach 2014) driven by a PRNG seeded from the key's hash: a key stays on its
 * shard when shards are added, except the ~1/n that move to the new one.
 * @param shards - number of objects, ≥ 1.
 * @returns 0 ≤ shard < shards
 * @example shardOf('legate/per-ip/["remote_address","192.0.2.1"]', 16)
 */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0
  let state = hash53(key) >>> 0 || 1
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  let b = -1
  let j = 0
  while (j < shards) {
    b = j
    j = Math.floor((b + 1) / Math.max(next(), 1e-12))
  }
  return b
}

/** Keys longer than this are stored as a hash. */
export const MAX_KEY_LENGTH = 256

/**
 * A key of bounded length: short keys unchanged, long ones (a huge header value) as `#` + two independent 53-bit
 * hashes + the length (collisions need both hashes and the length to agree).
 */
export function compactKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key
  return `#${hash53(key, 1).toString(36)}.${hash53(key, 2).toString(36)}.${key.length}`
}
