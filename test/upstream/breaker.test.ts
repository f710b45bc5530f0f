// The resilience4j CircuitBreakerStateMachineTest scenarios (shared/reference/security.md §6.1, CB1–CB12).
import { describe, expect, it } from 'vitest'
import { advanceBreaker, breakerRates, createBreakerState, effectivePhase, recordCall } from '../../src/upstream/shared/breaker.ts'
import { failureRateBreaker } from '../../src/upstream/schema.ts'

const config = (o: Record<string, unknown> = {}) =>
  failureRateBreaker.parse({
    failure_rate_threshold: 50,
    sliding_window_type: 'TIME_BASED',
    sliding_window_size: 20,
    minimum_calls: 5,
    permitted_calls_in_half_open: 4,
    wait_duration_in_open: '5s',
    slow_call_duration: '4s',
    slow_call_rate_threshold: 50,
    ...o,
  })
const F = { failed: true, slow: false }
const S = { failed: false, slow: false }
const T0 = 1_000_000

function run(calls: { failed: boolean; slow: boolean }[], c = config(), at = T0) {
  const s = createBreakerState()
  for (const call of calls) recordCall(s, c, { ...call, at })
  return s
}

function halfOpen(c = config()) {
  const s = run([F, F, F, F, F], c)
  expect(s.phase).toBe('open')
  advanceBreaker(s, s.openUntil)
  expect(s.phase).toBe('half_open')
  return s
}

describe('failure-rate breaker (resilience4j state machine)', () => {
  it('CB1: stays closed below minimum_calls and reports the rate as -1', () => {
    const s = run([F, F, F])
    expect(s.phase).toBe('closed')
    expect(breakerRates(s, config(), T0).failureRate).toBe(-1)
  })

  it('CB2/CB3: opens on the 5th call at 60% (≥ threshold opens, so exactly 50% would too)', () => {
    const s = run([F, F, F, S])
    expect(s.phase).toBe('closed')
    recordCall(s, config(), { ...S, at: T0 })
    expect(s.phase).toBe('open')
    expect(run([S, F, S, F, S]).phase).toBe('closed')
    const half = run([S, F, S, F, S, F])
    expect(half.phase).toBe('open')
  })

  it('CB4/CB5: stays open for wait_duration_in_open, then is half-open with fresh metrics', () => {
    const s = run([F, F, F, S, S])
    expect(effectivePhase(s, T0 + 3000)).toBe('open')
    expect(advanceBreaker(s, T0 + 3000)).toBeUndefined()
    expect(effectivePhase(s, T0 + 6000)).toBe('half_open')
    expect(advanceBreaker(s, T0 + 6000)).toBe('half_open')
    expect(s.half).toEqual({ total: 0, failed: 0, slow: 0 })
  })

  it('CB7: half-open F, F, S, F (75%) re-opens', () => {
    const s = halfOpen()
    const at = s.openUntil
    for (const call of [F, F, S, F]) recordCall(s, config(), { ...call, at })
    expect(s.phase).toBe('open')
    expect(s.openUntil).toBe(at + 5000)
  })

  it('CB8: half-open F, S, S, S (25%) closes and resets the window', () => {
    const s = halfOpen()
    for (const call of [F, S, S, S]) recordCall(s, config(), { ...call, at: s.openUntil })
    expect(s.phase).toBe('closed')
    expect(breakerRates(s, config(), s.openUntil).calls).toBe(0)
  })

  it('CB6: decides only after permitted_calls_in_half_open calls', () => {
    const s = halfOpen()
    for (const call of [F, F, F]) recordCall(s, config(), { ...call, at: s.openUntil })
    expect(s.phase).toBe('half_open')
  })

  it('CB9: half-open with 3 slow calls of 4 (75% slow, no failure) re-opens', () => {
    const s = halfOpen()
    const slow = { failed: false, slow: true }
    for (const call of [slow, slow, slow, S]) recordCall(s, config(), { ...call, at: s.openUntil })
    expect(s.phase).toBe('open')
  })

  it('CB12: time-based window: S@0 S@1 S@2 F@3 F@4 stay closed, F@5 opens (3/6 = 50%)', () => {
    const c = config()
    const s = createBreakerState()
    ;[S, S, S, F, F].forEach((call, i) => recordCall(s, c, { ...call, at: T0 + i * 1000 }))
    expect(s.phase).toBe('closed')
    recordCall(s, c, { ...F, at: T0 + 5000 })
    expect(s.phase).toBe('open')
  })

  it('forgets calls older than the time window', () => {
    const c = config({ sliding_window_size: 2 })
    const s = createBreakerState()
    ;[F, F, F, F].forEach((call) => recordCall(s, c, { ...call, at: T0 }))
    ;[S, S, S, S, S].forEach((call) => recordCall(s, c, { ...call, at: T0 + 10_000 }))
    expect(s.phase).toBe('closed')
    expect(breakerRates(s, c, T0 + 10_000)).toMatchObject({ calls: 5, failureRate: 0 })
  })

  it('keeps only the last N calls in a count-based window, and caps minimum_calls at N', () => {
    const c = config({ sliding_window_type: 'COUNT_BASED', sliding_window_size: 4, minimum_calls: 100 })
    const s = run([F, F, S, S, S, S], config({ sliding_window_type: 'COUNT_BASED', sliding_window_size: 4, minimum_calls: 100, failure_rate_threshold: 100 }))
    expect(s.calls).toHaveLength(4)
    expect(run([S, F, S, F], c).phase).toBe('open')
  })

  it('ignores calls that end while open (they were admitted before it opened)', () => {
    const s = run([F, F, F, F, F])
    const epoch = s.epoch
    recordCall(s, config(), { ...S, at: T0 + 1 })
    expect(s.phase).toBe('open')
    expect(s.epoch).toBe(epoch)
  })
})
