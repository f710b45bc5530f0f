import { describe, expect, it } from 'vitest'
import { addGrant, expireGrants, heldTokens, newLease, nextWant, spend, unspend, wantsRefill } from '../../src/ratelimit/lease.ts'

const T0 = 1_000_000
const grant = (tokens: number, expiresAt: number, window = 0) => ({ tokens, granted: tokens, expiresAt, window, at: T0 })

describe('lease accounting', () => {
  it('starts small: an eighth of the maximum', () => {
    expect(newLease(80).size).toBe(10)
    expect(newLease(3).size).toBe(1)
  })

  it('spends the oldest grant first, across grants, and never partially', () => {
    const s = newLease(100)
    addGrant(s, grant(5, T0 + 2000))
    addGrant(s, grant(2, T0 + 1000))
    expect(s.grants.map((g) => g.tokens)).toEqual([2, 5])
    expect(spend(s, 3)).toBe(true)
    expect(s.grants.map((g) => g.tokens)).toEqual([4])
    expect(spend(s, 5)).toBe(false)
    expect(heldTokens(s)).toBe(4)
  })

  it('expires grants at their own expiry, returns leftovers and shrinks the next size towards use × 1.5, by half at most', () => {
    const s = newLease(100)
    s.size = 40
    addGrant(s, { ...grant(40, T0 + 1000), tokens: 10 })
    addGrant(s, grant(10, T0 + 2000))
    expect(expireGrants(s, T0 + 999)).toEqual([])
    expect(expireGrants(s, T0 + 1000)).toEqual([{ tokens: 10, window: 0 }])
    expect(s.size).toBe(40) // 30 used × 1.5 = 45: no shrink
    expect(s.grants).toHaveLength(1)
    expect(expireGrants(s, T0 + 2000)).toEqual([{ tokens: 10, window: 0 }])
    expect(s.size).toBe(20) // nothing used: halved, not collapsed
  })

  it('does not collapse when each refill arrives while the previous grant still covers demand', () => {
    // Regression: the overlapping refill expired unused each time and set the size to 1 for good.
    const s = newLease(1_000)
    s.size = 100
    for (let t = 0; t < 10; t++) {
      addGrant(s, grant(100, T0 + t * 1000 + 1000)) // spent out: demand is there
      while (spend(s, 1));
      addGrant(s, grant(nextWant(s, 1, false), T0 + t * 1000 + 1100)) // the refill, barely used
      spend(s, 1)
      expireGrants(s, T0 + t * 1000 + 1100)
    }
    expect(s.size).toBeGreaterThanOrEqual(100)
  })

  it('shrinks by half per idle expiry and grows back by doubling once grants are spent out', () => {
    const idle = newLease(1_000)
    idle.size = 100
    for (let t = 1; t <= 3; t++) {
      addGrant(idle, grant(100, T0 + t))
      expireGrants(idle, T0 + t)
    }
    expect(idle.size).toBe(13)
    const d = newLease(1_000)
    d.size = 1
    for (let i = 0; i < 8; i++) {
      addGrant(d, grant(nextWant(d, 1, false), T0 + 1000))
      while (spend(d, 1));
    }
    expect(d.size).toBe(128)
  })

  it('asks for a refill when half spent or near expiry, one grant pending at most', () => {
    const s = newLease(100)
    addGrant(s, grant(10, T0 + 1000))
    expect(wantsRefill(s, T0, 1000)).toBe(false)
    spend(s, 5)
    expect(wantsRefill(s, T0, 1000)).toBe(true)
    const fresh = newLease(100)
    addGrant(fresh, grant(10, T0 + 1000))
    expect(wantsRefill(fresh, T0 + 750, 1000)).toBe(true)
    addGrant(fresh, grant(10, T0 + 1750))
    expect(wantsRefill(fresh, T0 + 750, 1000)).toBe(false)
    fresh.grants.shift()
    fresh.deniedUntil = T0 + 800
    expect(wantsRefill(fresh, T0 + 760, 1000)).toBe(false)
  })

  it('doubles the size under demand (busy or spent out), capped by the maximum, and never asks for less than the cost', () => {
    const s = newLease(50)
    expect(nextWant(s, 1, false)).toBe(7)
    expect(nextWant(s, 1, true)).toBe(14)
    expect(nextWant(s, 1, true)).toBe(28)
    expect(nextWant(s, 1, true)).toBe(50)
    expect(nextWant(s, 1, true)).toBe(50)
    expect(nextWant(newLease(8), 5, false)).toBe(5)
    const r = newLease(64)
    addGrant(r, grant(1, T0 + 1000))
    spend(r, 1)
    expect(r.ranOut).toBe(true)
    expect(nextWant(r, 1, false)).toBe(16)
    expect(r.ranOut).toBe(false)
  })

  it('a refund goes back to the newest live grant, never above what it granted', () => {
    const s = newLease(10)
    addGrant(s, grant(3, T0 + 1000))
    spend(s, 2)
    unspend(s, 5, T0)
    expect(heldTokens(s)).toBe(3)
    spend(s, 1)
    unspend(s, 1, T0 + 1000)
    expect(heldTokens(s)).toBe(2)
    spend(s, 2)
    expect(s.grants).toEqual([])
    unspend(s, 1, T0)
    expect(heldTokens(s)).toBe(0)
  })
})
