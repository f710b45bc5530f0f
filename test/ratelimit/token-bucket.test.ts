import { describe, expect, it } from 'vitest'
import { bucketIdleAt, consumeBucket, refillBucket, returnToBucket, takeFromBucket, type TokenBucketSpec, type TokenBucketState } from '../../src/ratelimit/token-bucket.ts'

const spec = (maxTokens: number, tokensPerFill: number, fillIntervalMs: number): TokenBucketSpec => ({ kind: 'token_bucket', maxTokens, tokensPerFill, fillIntervalMs })
/** Epoch-aligned start, so fills happen at T0 + k × interval. */
const T0 = Date.parse('2026-11-26T12:00:00Z')

/** Replays a script of 'allow' / 'deny' / 'fill' steps (Envoy local_ratelimit_test.cc vectors, security.md §5.3). */
function replay(s: TokenBucketSpec, script: string[]) {
  let state: TokenBucketState | undefined
  let now = T0
  const got: string[] = []
  for (const step of script) {
    if (step === 'fill') {
      now += s.fillIntervalMs
      got.push('fill')
      continue
    }
    const r = consumeBucket(state, s, 1, now)
    state = r.state
    got.push(r.outcome.allowed ? 'allow' : 'deny')
  }
  return got
}

describe('token bucket (Envoy local rate limit vectors)', () => {
  it.each([
    ['max 1, +1 per 200ms', spec(1, 1, 200), ['allow', 'deny', 'deny', 'fill', 'allow', 'deny', 'fill', 'fill', 'allow', 'deny']],
    ['max 2, +2', spec(2, 2, 200), ['allow', 'allow', 'deny', 'fill', 'allow', 'fill', 'allow', 'allow', 'deny']],
    ['max 2, +1', spec(2, 1, 200), ['allow', 'allow', 'deny', 'fill', 'allow', 'deny']],
  ])('%s', (_name, s, script) => {
    expect(replay(s, script)).toEqual(script)
  })

  it('fills exactly at multiples of the interval since the epoch, not one millisecond before', () => {
    const s = spec(1, 1, 1000)
    const a = consumeBucket(undefined, s, 1, T0 + 400)
    expect(a.outcome).toEqual({ allowed: true, remaining: 0, resetMs: 600, retryAfterMs: 0 })
    const early = consumeBucket(a.state, s, 1, T0 + 999)
    expect(early.outcome).toMatchObject({ allowed: false, retryAfterMs: 1 })
    expect(consumeBucket(early.state, s, 1, T0 + 1000).outcome.allowed).toBe(true)
  })

  it('reports the wait for a multi-unit cost as whole fills', () => {
    const s = spec(10, 2, 100)
    let st = consumeBucket(undefined, s, 10, T0).state
    const r = consumeBucket(st, s, 5, T0 + 50)
    expect(r.outcome).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 250 }) // 3 fills: at 100, 200, 300
    st = r.state
    expect(consumeBucket(st, s, 5, T0 + 299).outcome.allowed).toBe(false)
    expect(consumeBucket(st, s, 5, T0 + 300).outcome).toMatchObject({ allowed: true, remaining: 1 })
  })

  it('allows a burst of max_tokens at once, then the fill rate', () => {
    const s = spec(5, 1, 100)
    let st: TokenBucketState | undefined
    let allowed = 0
    for (let i = 0; i < 8; i++) {
      const r = consumeBucket(st, s, 1, T0)
      st = r.state
      if (r.outcome.allowed) allowed++
    }
    expect(allowed).toBe(5)
    for (let t = 1; t <= 10; t++) {
      const r = consumeBucket(st, s, 1, T0 + t * 100)
      st = r.state
      expect(r.outcome.allowed).toBe(true)
      expect(consumeBucket(st, s, 1, T0 + t * 100).outcome.allowed).toBe(false)
    }
  })

  it('ignores a clock that goes backwards (no negative fills)', () => {
    const s = spec(3, 1, 100)
    const st = consumeBucket(undefined, s, 2, T0 + 1000).state
    expect(refillBucket(st, s, T0)).toBe(st)
    expect(consumeBucket(st, s, 1, T0 + 500).outcome).toMatchObject({ allowed: true, remaining: 0 })
  })

  it('leases take what is there (at least need), and returns are capped at max_tokens', () => {
    const s = spec(10, 1, 1000)
    const a = takeFromBucket(undefined, s, 4, 1, T0)
    expect(a.granted).toBe(4)
    const b = takeFromBucket(a.state, s, 100, 1, T0)
    expect(b.granted).toBe(6)
    const c = takeFromBucket(b.state, s, 5, 2, T0 + 1000)
    expect(c).toMatchObject({ granted: 0, outcome: { allowed: false, retryAfterMs: 1000 } })
    expect(returnToBucket(b.state, s, 50, T0).tokens).toBe(10)
  })

  it('is idle (lossless to forget) once full again', () => {
    const s = spec(10, 2, 1000)
    const st: TokenBucketState = { kind: 'token_bucket', tokens: 5, filledAt: T0 }
    expect(bucketIdleAt(st, s)).toBe(T0 + 3000)
    expect(refillBucket(st, s, T0 + 3000).tokens).toBe(10)
    expect(bucketIdleAt({ ...st, tokens: 10 }, s)).toBe(T0)
  })
})
