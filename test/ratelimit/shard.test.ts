import { describe, expect, it } from 'vitest'
import { compactKey, hash53, MAX_KEY_LENGTH, shardOf } from '../../src/ratelimit/shard.ts'

const keys = Array.from({ length: 20_000 }, (_, i) => `legate/per-ip/tb/["remote_address","198.51.${i >> 8}.${i & 255}"]`)

describe('key sharding', () => {
  it('is stable and in range', () => {
    for (const k of keys.slice(0, 100)) {
      const s = shardOf(k, 16)
      expect(s).toBeGreaterThanOrEqual(0)
      expect(s).toBeLessThan(16)
      expect(shardOf(k, 16)).toBe(s)
    }
    expect(shardOf('anything', 1)).toBe(0)
  })

  it('spreads keys evenly (each of 16 shards within ±15% of its share)', () => {
    const counts = new Array<number>(16).fill(0)
    for (const k of keys) counts[shardOf(k, 16)]!++
    const share = keys.length / 16
    for (const c of counts) expect(Math.abs(c - share) / share).toBeLessThan(0.15)
  })

  it('moves only ~1/n of the keys, and only to the new shard, when a shard is added (jump hash)', () => {
    let moved = 0
    for (const k of keys) {
      const before = shardOf(k, 16)
      const after = shardOf(k, 17)
      if (before !== after) {
        moved++
        expect(after).toBe(16)
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.04)
    expect(moved / keys.length).toBeLessThan(0.08)
  })

  it('hashes with independent seeds', () => {
    expect(hash53('a')).not.toBe(hash53('b'))
    expect(hash53('a', 1)).not.toBe(hash53('a', 2))
    expect(Number.isSafeInteger(hash53('x'.repeat(1000)))).toBe(true)
  })

  it('keeps short keys as they are and bounds long ones', () => {
    const short = 'k'.repeat(MAX_KEY_LENGTH)
    expect(compactKey(short)).toBe(short)
    const long = `legate/x/tb/["x-api-key","${'a'.repeat(5000)}"]`
    const c = compactKey(long)
    expect(c.length).toBeLessThan(40)
    expect(c).toMatch(/^#/)
    expect(compactKey(`${long}b`)).not.toBe(c)
  })
})
