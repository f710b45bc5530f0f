import { describe, expect, it } from 'vitest'
import { exponentialBackoff, rateLimitedBackoff } from '../../src/upstream/request/backoff.ts'

const ALMOST_ONE = 0.999999

describe('exponential back-off (Envoy JitteredExponentialBackOffStrategy)', () => {
  it.each([
    // retry, base, max, lowest, highest
    [1, 25, 250, 0, 24],
    [2, 25, 250, 0, 74],
    [3, 25, 250, 0, 174],
    [4, 25, 250, 0, 250],
    [9, 25, 250, 0, 250],
    [2, 100, 1000, 0, 299],
  ])('retry %i with base %i ms, max %i ms waits in [%i, %i]', (retry, base, max, lo, hi) => {
    expect(exponentialBackoff(retry, base, max, () => 0)).toBe(lo)
    expect(exponentialBackoff(retry, base, max, () => ALMOST_ONE)).toBe(hi)
  })

  it('is uniform over its range (full jitter)', () => {
    expect(exponentialBackoff(2, 25, 250, () => 0.5)).toBe(37)
  })
})

describe('rate-limited back-off', () => {
  const seconds = [{ name: 'retry-after', format: 'SECONDS' as const }]
  const now = Date.parse('2026-11-26T12:00:00Z')

  it('waits what Retry-After asks, jittered to [interval, 1.5 × interval)', () => {
    const h = new Headers({ 'retry-after': '2' })
    expect(rateLimitedBackoff(h, seconds, 300_000, now, () => 0)).toBe(2000)
    expect(rateLimitedBackoff(h, seconds, 300_000, now, () => ALMOST_ONE)).toBe(2999)
  })

  it('ignores a wait over max_interval and tries the next header, then gives up (exponential applies)', () => {
    const headers = [
      { name: 'retry-after', format: 'SECONDS' as const },
      { name: 'x-ratelimit-reset', format: 'UNIX_TIMESTAMP' as const },
    ]
    const h = new Headers({ 'retry-after': '600', 'x-ratelimit-reset': String(now / 1000 + 3) })
    expect(rateLimitedBackoff(h, headers, 10_000, now, () => 0)).toBe(3000)
    expect(rateLimitedBackoff(new Headers({ 'retry-after': '600' }), headers, 10_000, now, () => 0)).toBeUndefined()
  })

  it.each(['', 'soon', '-1', '1.5', 'Wed, 21 Oct 2026 07:28:00 GMT', '0'])('does not parse Retry-After %j', (v) => {
    expect(rateLimitedBackoff(new Headers({ 'retry-after': v }), seconds, 300_000, now, () => 0)).toBeUndefined()
  })
})
