import { describe, expect, it } from 'vitest'
import { capacityOf, consumeLimit, giveBack, idleAt, leasedOverAdmission, leaseExpiry, limitSpecSchema, type LimitSpec, takeLease } from '../../src/ratelimit/limit.ts'

const tb: LimitSpec = { kind: 'token_bucket', maxTokens: 10, tokensPerFill: 2, fillIntervalMs: 100 }
const sw: LimitSpec = { kind: 'sliding_window', limit: 10, windowMs: 60_000 }
const T0 = Date.parse('2026-11-26T12:00:00Z')

describe('limit dispatch', () => {
  it('starts over when the stored state is of the other algorithm', () => {
    const a = consumeLimit(undefined, tb, 10, T0)
    const b = consumeLimit(a.state, sw, 1, T0)
    expect(b.outcome).toMatchObject({ allowed: true, remaining: 9 })
    expect(b.state.kind).toBe('sliding_window')
    expect(idleAt(a.state, sw)).toBe(0)
  })

  it('takes a lease and gives it back in the window that counted it', () => {
    const t = takeLease(undefined, sw, 8, 1, T0 + 5)
    expect(t).toMatchObject({ granted: 8, window: T0 })
    const back = giveBack(t.state, sw, 8, t.window, T0 + 10)
    expect(consumeLimit(back, sw, 10, T0 + 10).outcome.allowed).toBe(true)
    expect(capacityOf(tb)).toBe(10)
    expect(capacityOf(sw)).toBe(10)
  })

  it('never lets a window lease outlive its window; bucket leases live their TTL', () => {
    expect(leaseExpiry(sw, T0, T0 + 59_500, 1_000)).toBe(T0 + 60_000)
    expect(leaseExpiry(sw, T0, T0 + 10_000, 1_000)).toBe(T0 + 11_000)
    expect(leaseExpiry(tb, 0, T0, 1_000)).toBe(T0 + 1_000)
  })

  it('documents the leased over-admission bound: fills during one TTL for a bucket, none for a window', () => {
    expect(leasedOverAdmission(tb, 1_000)).toBe(20)
    expect(leasedOverAdmission(tb, 150)).toBe(4)
    expect(leasedOverAdmission(sw, 1_000)).toBe(0)
  })

  it('validates specs at the RPC boundary', () => {
    expect(limitSpecSchema.safeParse(tb).success).toBe(true)
    expect(limitSpecSchema.safeParse({ ...tb, maxTokens: 0 }).success).toBe(false)
    expect(limitSpecSchema.safeParse({ ...sw, extra: 1 }).success).toBe(false)
    expect(limitSpecSchema.safeParse({ kind: 'fixed_window', limit: 1 }).success).toBe(false)
  })
})
