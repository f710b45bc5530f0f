import { describe, expect, it } from 'vitest'
import { maskAddress } from '../../src/ratelimit/address.ts'
import { Lru } from '../../src/ratelimit/lru.ts'

describe('Lru', () => {
  it('evicts the least recently used entry and returns it', () => {
    const lru = new Lru<string, number>(2)
    expect(lru.set('a', 1)).toBeUndefined()
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1) // a is now the most recent
    expect(lru.set('c', 3)).toEqual(['b', 2])
    expect([...lru.entries()].map(([k]) => k)).toEqual(['a', 'c'])
    expect(lru.size).toBe(2)
  })

  it('peek does not refresh recency; replacing a key does not evict', () => {
    const lru = new Lru<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.peek('a')).toBe(1)
    expect(lru.set('b', 3)).toBeUndefined()
    expect(lru.set('c', 4)).toEqual(['a', 1])
  })
})

describe('maskAddress', () => {
  it.each([
    ['192.0.2.77', 24, 64, '192.0.2.0/24'],
    ['192.0.2.77', 32, 64, '192.0.2.77/32'],
    ['192.0.2.77', 0, 64, '0.0.0.0/0'],
    ['203.0.113.200', 25, 64, '203.0.113.128/25'],
    ['::ffff:192.0.2.77', 24, 64, '192.0.2.0/24'],
    ['2001:db8:1:2:3:4:5:6', 24, 64, '2001:db8:1:2:0:0:0:0/64'],
    ['2001:db8::1', 24, 48, '2001:db8:0:0:0:0:0:0/48'],
    ['2001:db8:abcd:ef12::1', 24, 56, '2001:db8:abcd:ef00:0:0:0:0/56'],
    ['2001:db8::1', 24, 128, '2001:db8:0:0:0:0:0:1/128'],
  ])('%s with /%d and /%d is %s', (addr, v4, v6, want) => {
    expect(maskAddress(addr, v4, v6)).toBe(want)
  })

  it('refuses what is not an IP literal', () => {
    expect(maskAddress('unknown', 24, 64)).toBeUndefined()
    expect(maskAddress('192.0.2.1:80', 24, 64)).toBeUndefined()
  })
})
