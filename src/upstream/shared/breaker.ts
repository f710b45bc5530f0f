/**
 * @module The failure-rate circuit breaker, resilience4j's state machine as pure functions over a plain,
 * JSON-serializable state (the ClusterHealth Durable Object stores it; isolates read it from a snapshot).
 * CLOSED → OPEN when, with at least `minimum_calls` in the sliding window, the failure or slow-call rate reaches
 * its threshold (≥, as resilience4j); OPEN → HALF_OPEN after `wait_duration_in_open`; HALF_OPEN → CLOSED or OPEN
 * on the rates of its `permitted_calls_in_half_open` calls.
 */
import type { FailureRateBreakerConfig } from '../schema.ts'

export type BreakerPhase = 'closed' | 'open' | 'half_open'

/** [second, total, failed, slow] for a TIME_BASED window. */
type Bucket = [number, number, number, number]

export interface BreakerState {
  phase: BreakerPhase
  /** Meaningful while open: when it opened, and when it turns half-open. */
  openedAt: number
  openUntil: number
  /** COUNT_BASED window: the last N calls, bit 1 failed, bit 2 slow. */
  calls: number[]
  /** TIME_BASED window: per-second buckets, oldest first. */
  buckets: Bucket[]
  /** Running totals of the window, so a call costs O(1) to record. */
  totals: { total: number; failed: number; slow: number }
  /** Calls recorded while half-open. */
  half: { total: number; failed: number; slow: number }
  /** Incremented on every transition; isolates key their half-open permits on it. */
  epoch: number
}

/** One upstream call: when it ended, whether it failed (5xx, reset, timeout), whether it was slow. */
export interface BreakerCall {
  at: number
  failed: boolean
  slow: boolean
}

export interface BreakerRates {
  calls: number
  /** Percent; -1 below the minimum number of calls (resilience4j). */
  failureRate: number
  slowRate: number
}

export function createBreakerState(): BreakerState {
  return { phase: 'closed', openedAt: 0, openUntil: 0, calls: [], buckets: [], totals: { total: 0, failed: 0, slow: 0 }, half: { total: 0, failed: 0, slow: 0 }, epoch: 0 }
}

/** resilience4j caps the minimum at the window size for COUNT_BASED windows. */
const minimumCalls = (c: FailureRateBreakerConfig) =>
  c.sliding_window_type === 'COUNT_BASED' ? Math.min(c.minimum_calls, c.sliding_window_size) : c.minimum_calls

function windowTotals(s: BreakerState, c: FailureRateBreakerConfig, now: number) {
  let total = 0
  let failed = 0
  let slow = 0
  if (c.sliding_window_type === 'COUNT_BASED') {
    for (const v of s.calls) {
      total++
      failed += v & 1
      slow += (v >> 1) & 1
    }
  } else {
    const from = Math.floor(now / 1000) - c.sliding_window_size
    for (const b of s.buckets) if (b[0] > from) (total += b[1]), (failed += b[2]), (slow += b[3])
  }
  return { total, failed, slow }
}

function ratesOf(t: { total: number; failed: number; slow: number }, min: number): BreakerRates {
  if (t.total < min) return { calls: t.total, failureRate: -1, slowRate: -1 }
  return { calls: t.total, failureRate: (t.failed * 100) / t.total, slowRate: (t.slow * 100) / t.total }
}

/** Failure and slow-call rates of the current window (CLOSED, as of `now`) or of the half-open calls. */
export function breakerRates(s: BreakerState, c: FailureRateBreakerConfig, now: number): BreakerRates {
  if (s.phase === 'half_open') return ratesOf(s.half, c.permitted_calls_in_half_open)
  return ratesOf(windowTotals(s, c, now), minimumCalls(c))
}

const exceeded = (r: BreakerRates, c: FailureRateBreakerConfig) =>
  r.failureRate >= 0 && (r.failureRate >= c.failure_rate_threshold || r.slowRate >= c.slow_call_rate_threshold)

function open(s: BreakerState, c: FailureRateBreakerConfig, now: number) {
  s.phase = 'open'
  s.openedAt = now
  s.openUntil = now + c.wait_duration_in_open
  s.half = { total: 0, failed: 0, slow: 0 }
  s.epoch++
}

function close(s: BreakerState) {
  s.phase = 'closed'
  s.calls = []
  s.buckets = []
  s.totals = { total: 0, failed: 0, slow: 0 }
  s.half = { total: 0, failed: 0, slow: 0 }
  s.epoch++
}

/** OPEN → HALF_OPEN once the wait is over. Returns the new phase when it changed. */
export function advanceBreaker(s: BreakerState, now: number): BreakerPhase | undefined {
  if (s.phase !== 'open' || now < s.openUntil) return undefined
  s.phase = 'half_open'
  s.half = { total: 0, failed: 0, slow: 0 }
  s.epoch++
  return s.phase
}

/** Records one call and applies the transition it causes. Calls that end while OPEN are ignored. */
export function recordCall(s: BreakerState, c: FailureRateBreakerConfig, call: BreakerCall): BreakerPhase | undefined {
  const moved = advanceBreaker(s, call.at)
  if (s.phase === 'open') return moved
  const bits = (call.failed ? 1 : 0) | (call.slow ? 2 : 0)
  if (s.phase === 'half_open') {
    s.half.total++
    s.half.failed += bits & 1
    s.half.slow += (bits >> 1) & 1
    if (s.half.total < c.permitted_calls_in_half_open) return moved
    if (exceeded(breakerRates(s, c, call.at), c)) open(s, c, call.at)
    else close(s)
    return s.phase
  }
  const t = (s.totals ??= windowTotals(s, c, call.at))
  const add = (b: number, sign: number) => {
    t.total += sign
    t.failed += sign * (b & 1)
    t.slow += sign * ((b >> 1) & 1)
  }
  add(bits, 1)
  if (c.sliding_window_type === 'COUNT_BASED') {
    s.calls.push(bits)
    while (s.calls.length > c.sliding_window_size) add(s.calls.shift()!, -1)
  } else {
    const sec = Math.floor(call.at / 1000)
    // Reports from several isolates may arrive slightly out of order: keep the buckets sorted.
    let i = s.buckets.length
    while (i > 0 && s.buckets[i - 1]![0] > sec) i--
    let b = s.buckets[i - 1]
    if (!b || b[0] !== sec) s.buckets.splice(i, 0, (b = [sec, 0, 0, 0]))
    b[1]++
    b[2] += bits & 1
    b[3] += (bits >> 1) & 1
    const from = s.buckets[s.buckets.length - 1]![0] - c.sliding_window_size
    while (s.buckets.length && s.buckets[0]![0] <= from) {
      const [, total, failed, slow] = s.buckets.shift()!
      t.total -= total
      t.failed -= failed
      t.slow -= slow
    }
  }
  if (exceeded(ratesOf(t, minimumCalls(c)), c)) {
    open(s, c, call.at)
    return s.phase
  }
  return moved
}

/**
 * The phase an isolate should act on, from a snapshot of the state: an open breaker whose wait is over is
 * half-open even before the Durable Object has heard of it.
 */
export function effectivePhase(s: Pick<BreakerState, 'phase' | 'openUntil'>, now: number): BreakerPhase {
  return s.phase === 'open' && now >= s.openUntil ? 'half_open' : s.phase
}
