/**
 * @module Token bucket with discrete, epoch-aligned fills (Envoy local rate limit semantics): the bucket holds at
 * most `maxTokens`, and at every multiple of `fillIntervalMs` since the Unix epoch it gains `tokensPerFill`.
 * Pure: state in, state out, the clock is a parameter.
 */
import type { Outcome } from './outcome.ts'

/** `max_tokens` (burst, and the initial fill), `tokens_per_fill`, `fill_interval`. */
export interface TokenBucketSpec {
  kind: 'token_bucket'
  maxTokens: number
  tokensPerFill: number
  fillIntervalMs: number
}

/** Tokens left and the last fill time (a multiple of the fill interval). */
export interface TokenBucketState {
  kind: 'token_bucket'
  tokens: number
  filledAt: number
}

const aligned = (now: number, interval: number) => Math.floor(now / interval) * interval

/**
 * The bucket at `now`: a new bucket starts full; fills that happened since `filledAt` are added, capped. A clock
 * that goes backwards adds nothing.
 */
export function refillBucket(state: TokenBucketState | undefined, spec: TokenBucketSpec, now: number): TokenBucketState {
  const at = aligned(now, spec.fillIntervalMs)
  if (!state) return { kind: 'token_bucket', tokens: spec.maxTokens, filledAt: at }
  if (at <= state.filledAt) return state
  const fills = (at - state.filledAt) / spec.fillIntervalMs
  return { kind: 'token_bucket', tokens: Math.min(spec.maxTokens, state.tokens + fills * spec.tokensPerFill), filledAt: at }
}

/** Milliseconds from `now` until the bucket holds `need` tokens (0 when it already does). */
function waitFor(s: TokenBucketState, spec: TokenBucketSpec, need: number, now: number): number {
  if (s.tokens >= need) return 0
  const fills = Math.ceil((need - s.tokens) / spec.tokensPerFill)
  return Math.max(0, s.filledAt + fills * spec.fillIntervalMs - now)
}

/** What a caller is told after an operation on `s`. `resetMs` is the time to the next fill (0 when full). */
function outcomeOf(s: TokenBucketState, spec: TokenBucketSpec, allowed: boolean, cost: number, now: number): Outcome {
  return {
    allowed,
    remaining: s.tokens,
    resetMs: s.tokens >= spec.maxTokens ? 0 : waitFor(s, spec, s.tokens + 1, now),
    retryAfterMs: allowed ? 0 : waitFor(s, spec, cost, now),
  }
}

/**
 * Takes `cost` tokens if the bucket has them. A refused request takes nothing.
 * @example consumeBucket(undefined, { kind: 'token_bucket', maxTokens: 2, tokensPerFill: 1, fillIntervalMs: 1000 }, 1, 0)
 */
export function consumeBucket(
  state: TokenBucketState | undefined,
  spec: TokenBucketSpec,
  cost: number,
  now: number
): { state: TokenBucketState; outcome: Outcome } {
  const s = refillBucket(state, spec, now)
  if (s.tokens < cost) return { state: s, outcome: outcomeOf(s, spec, false, cost, now) }
  const next = { ...s, tokens: s.tokens - cost }
  return { state: next, outcome: outcomeOf(next, spec, true, cost, now) }
}

/**
 * Takes up to `want` tokens at once (a lease), but only if at least `need` are there: a grant smaller than the
 * next request's cost would be useless. Never more than the bucket holds.
 */
export function takeFromBucket(
  state: TokenBucketState | undefined,
  spec: TokenBucketSpec,
  want: number,
  need: number,
  now: number
): { state: TokenBucketState; granted: number; outcome: Outcome } {
  const s = refillBucket(state, spec, now)
  const granted = s.tokens >= need ? Math.min(want, s.tokens) : 0
  const next = granted > 0 ? { ...s, tokens: s.tokens - granted } : s
  return { state: next, granted, outcome: outcomeOf(next, spec, granted > 0, need, now) }
}

/** Puts unused tokens back, capped at `maxTokens` (any excess is lost: the safe direction). */
export function returnToBucket(state: TokenBucketState | undefined, spec: TokenBucketSpec, tokens: number, now: number): TokenBucketState {
  const s = refillBucket(state, spec, now)
  return { ...s, tokens: Math.min(spec.maxTokens, s.tokens + Math.max(0, tokens)) }
}

/** When the bucket is full again: from then on, forgetting it changes nothing (a new bucket starts full). */
export function bucketIdleAt(s: TokenBucketState, spec: TokenBucketSpec): number {
  if (s.tokens >= spec.maxTokens) return s.filledAt
  return s.filledAt + Math.ceil((spec.maxTokens - s.tokens) / spec.tokensPerFill) * spec.fillIntervalMs
}
