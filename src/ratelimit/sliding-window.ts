/**
 * @module Sliding window counter: two epoch-aligned fixed windows, the previous one weighted by how much of it the
 * sliding window still covers (the algorithm Cloudflare describes for its own rate limiting). A request is allowed
 * when `prev × (1 − elapsed / W) + curr + cost ≤ limit`. Bounds: at most `limit` per aligned window (curr never
 * exceeds it), exact when the previous window's traffic was spread evenly, at most 2 × limit in any interval of
 * length W in the adversarial worst case. Bounded state (two counters) whatever the limit. Pure.
 */
import type { Outcome } from './outcome.ts'

/** `requests_per_unit` per `windowMs`. */
export interface SlidingWindowSpec {
  kind: 'sliding_window'
  limit: number
  windowMs: number
}

/** Counts for the current aligned window (starting at `start`) and the one before it. */
export interface SlidingWindowState {
  kind: 'sliding_window'
  start: number
  prev: number
  curr: number
}

/** The window state at `now`: rolls forward by one window (curr becomes prev) or resets after two. */
export function rollWindow(state: SlidingWindowState | undefined, spec: SlidingWindowSpec, now: number): SlidingWindowState {
  const start = Math.floor(now / spec.windowMs) * spec.windowMs
  if (!state) return { kind: 'sliding_window', start, prev: 0, curr: 0 }
  if (start <= state.start) return state
  if (start === state.start + spec.windowMs) return { kind: 'sliding_window', start, prev: state.curr, curr: 0 }
  return { kind: 'sliding_window', start, prev: 0, curr: 0 }
}

/** The weighted count at `now` (a clock behind `start` counts as the window's start). */
export function windowEstimate(s: SlidingWindowState, spec: SlidingWindowSpec, now: number): number {
  const elapsed = Math.min(Math.max(now - s.start, 0), spec.windowMs)
  return s.prev * (1 - elapsed / spec.windowMs) + s.curr
}

/** Milliseconds from `now` until `cost` more fits: the previous window's weight decays, then the current one's. */
function waitFor(s: SlidingWindowState, spec: SlidingWindowSpec, cost: number, now: number): number {
  const { limit, windowMs: w } = spec
  if (windowEstimate(s, spec, now) + cost <= limit) return 0
  const room = limit - s.curr - cost
  if (room >= 0 && s.prev > 0) {
    const at = s.start + Math.ceil(w * (1 - room / s.prev))
    if (at < s.start + w) return Math.max(1, at - now)
  }
  // In the next window the current count becomes the decaying one (cost ≤ limit, so it fits within W).
  const next = s.start + w
  const at = s.curr > 0 ? next + Math.ceil(w * Math.max(0, 1 - (limit - cost) / s.curr)) : next
  return Math.max(1, at - now)
}

function outcomeOf(s: SlidingWindowState, spec: SlidingWindowSpec, allowed: boolean, cost: number, now: number): Outcome {
  const estimate = windowEstimate(s, spec, now)
  return {
    allowed,
    remaining: Math.max(0, Math.floor(spec.limit - estimate + 1e-9)),
    resetMs: estimate > 0 ? s.start + spec.windowMs - now : 0,
    retryAfterMs: allowed ? 0 : waitFor(s, spec, cost, now),
  }
}

/** Counts `cost` if it fits; a refused request counts nothing. */
export function consumeWindow(
  state: SlidingWindowState | undefined,
  spec: SlidingWindowSpec,
  cost: number,
  now: number
): { state: SlidingWindowState; outcome: Outcome } {
  const s = rollWindow(state, spec, now)
  if (windowEstimate(s, spec, now) + cost > spec.limit + 1e-9) return { state: s, outcome: outcomeOf(s, spec, false, cost, now) }
  const next = { ...s, curr: s.curr + cost }
  return { state: next, outcome: outcomeOf(next, spec, true, cost, now) }
}

/**
 * Counts up to `want` at once (a lease), only if at least `need` fits. The grant belongs to the window starting at
 * the returned `window`; a lease must not outlive it (see `leaseExpiry`).
 */
export function takeFromWindow(
  state: SlidingWindowState | undefined,
  spec: SlidingWindowSpec,
  want: number,
  need: number,
  now: number
): { state: SlidingWindowState; granted: number; window: number; outcome: Outcome } {
  const s = rollWindow(state, spec, now)
  const room = Math.floor(spec.limit - windowEstimate(s, spec, now) + 1e-9)
  const granted = room >= need ? Math.min(want, room) : 0
  const next = granted > 0 ? { ...s, curr: s.curr + granted } : s
  return { state: next, granted, window: s.start, outcome: outcomeOf(next, spec, granted > 0, need, now) }
}

/** Uncounts unused leased requests, in the window they were counted in, if it still matters. */
export function returnToWindow(
  state: SlidingWindowState | undefined,
  spec: SlidingWindowSpec,
  tokens: number,
  window: number,
  now: number
): SlidingWindowState {
  const s = rollWindow(state, spec, now)
  const n = Math.max(0, tokens)
  if (window === s.start) return { ...s, curr: Math.max(0, s.curr - n) }
  if (window === s.start - spec.windowMs) return { ...s, prev: Math.max(0, s.prev - n) }
  return s
}

/** After two windows nothing is counted any more: forgetting the state changes nothing. */
export function windowIdleAt(s: SlidingWindowState, spec: SlidingWindowSpec): number {
  return s.curr > 0 ? s.start + 2 * spec.windowMs : s.prev > 0 ? s.start + spec.windowMs : s.start
}
