import { describe, expect, it } from 'vitest'
import { consumeWindow, returnToWindow, rollWindow, type SlidingWindowSpec, type SlidingWindowState, takeFromWindow, windowEstimate, windowIdleAt } from '../../src/ratelimit/sliding-window.ts'

const MIN = 60_000
const perMinute = (limit: number): SlidingWindowSpec => ({ kind: 'sliding_window', limit, windowMs: MIN })
/** A minute boundary. */
const T0 = Date.parse('2026-11-26T12:00:00Z')

function burst(spec: SlidingWindowSpec, state: SlidingWindowState | undefined, n: number, now: number) {
  let allowed = 0
  for (let i = 0; i < n; i++) {
    const r = consumeWindow(state, spec, 1, now)
    state = r.state
    if (r.outcome.allowed) allowed++
  }
  return { state: state!, allowed }
}

describe('sliding window counter', () => {
  it('denies the second burst across a window boundary (10 at 59.9 s, 10 at 60.0 s, limit 10/min)', () => {
    // security.md §5.4: a fixed window would allow all 20.
    const spec = perMinute(10)
    const a = burst(spec, undefined, 10, T0 + 59_900)
    expect(a.allowed).toBe(10)
    const b = burst(spec, a.state, 10, T0 + 60_000)
    expect(b.allowed).toBe(0)
  })

  it('weights the previous window by the share still covered', () => {
    const spec = perMinute(10)
    const a = burst(spec, undefined, 10, T0 + 59_000)
    // At 60 s + 30 s the previous 10 count as 5: five more fit.
    expect(burst(spec, a.state, 10, T0 + 90_000).allowed).toBe(5)
    expect(windowEstimate(rollWindow(a.state, spec, T0 + 90_000), spec, T0 + 90_000)).toBe(5)
  })

  it('never counts more than the limit in one aligned window', () => {
    const spec = perMinute(7)
    let state: SlidingWindowState | undefined
    for (let t = 0; t < 10 * MIN; t += 1_337) {
      const r = consumeWindow(state, spec, 1, T0 + t)
      state = r.state
      expect(state.curr).toBeLessThanOrEqual(7)
    }
  })

  it('resets after two empty windows and ignores a clock that goes backwards', () => {
    const spec = perMinute(3)
    const a = burst(spec, undefined, 3, T0)
    expect(rollWindow(a.state, spec, T0 + 2 * MIN)).toEqual({ kind: 'sliding_window', start: T0 + 2 * MIN, prev: 0, curr: 0 })
    expect(rollWindow(a.state, spec, T0 - MIN)).toBe(a.state)
  })

  it('retryAfterMs is exact: one millisecond earlier is still refused', () => {
    const spec = perMinute(10)
    const cases: [number, number, number, number][] = [
      // [prev count at, prev n, curr count at, curr n]
      [30_000, 10, 70_000, 0],
      [59_000, 6, 61_000, 4],
      [10_000, 10, 65_000, 3],
      [0, 0, 65_000, 10],
    ]
    for (const [pAt, pn, cAt, cn] of cases) {
      let state = burst(spec, undefined, pn, T0 + pAt).state
      state = burst(spec, state, cn, T0 + cAt).state
      const now = T0 + cAt
      const r = consumeWindow(state, spec, 1, now)
      if (r.outcome.allowed) continue
      const wait = r.outcome.retryAfterMs
      expect(wait).toBeGreaterThan(0)
      expect(consumeWindow(state, spec, 1, now + wait - 1).outcome.allowed, `case ${pAt},${pn},${cAt},${cn}`).toBe(false)
      expect(consumeWindow(state, spec, 1, now + wait).outcome.allowed, `case ${pAt},${pn},${cAt},${cn}`).toBe(true)
    }
  })

  it('reports remaining (rounded down) and the time to the end of the window', () => {
    const spec = perMinute(10)
    const a = consumeWindow(undefined, spec, 3, T0 + 15_000)
    expect(a.outcome).toEqual({ allowed: true, remaining: 7, resetMs: 45_000, retryAfterMs: 0 })
  })

  it('leases count in the current window and come back only while that window matters', () => {
    const spec = perMinute(10)
    const a = takeFromWindow(undefined, spec, 6, 1, T0 + 1_000)
    expect(a).toMatchObject({ granted: 6, window: T0 })
    const b = takeFromWindow(a.state, spec, 6, 5, T0 + 2_000)
    expect(b.granted).toBe(0)
    expect(b.outcome.allowed).toBe(false)
    expect(returnToWindow(a.state, spec, 4, T0, T0 + 3_000).curr).toBe(2)
    expect(returnToWindow(a.state, spec, 4, T0, T0 + MIN + 1).prev).toBe(2)
    expect(returnToWindow(a.state, spec, 4, T0, T0 + 2 * MIN + 1)).toMatchObject({ prev: 0, curr: 0 })
  })

  it('is idle once nothing it counted is still weighted', () => {
    const spec = perMinute(10)
    expect(windowIdleAt({ kind: 'sliding_window', start: T0, prev: 0, curr: 1 }, spec)).toBe(T0 + 2 * MIN)
    expect(windowIdleAt({ kind: 'sliding_window', start: T0, prev: 1, curr: 0 }, spec)).toBe(T0 + MIN)
  })
})
