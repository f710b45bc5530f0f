/**
 * @module One entry point over both algorithms (token bucket, sliding window): consume, take a lease, give back,
 * idle time, lease expiry. The RateLimiter Durable Object and the per-isolate `local` mode both call these.
 */
import * as z from 'zod'
import type { Outcome } from './outcome.ts'
import { type SlidingWindowSpec, type SlidingWindowState, consumeWindow, returnToWindow, takeFromWindow, windowIdleAt } from './sliding-window.ts'
import { type TokenBucketSpec, type TokenBucketState, bucketIdleAt, consumeBucket, returnToBucket, takeFromBucket } from './token-bucket.ts'

export type { Outcome } from './outcome.ts'
export type LimitSpec = TokenBucketSpec | SlidingWindowSpec
export type LimitState = TokenBucketState | SlidingWindowState

const count = z.number().int().min(1).max(1e12)

/** What the Durable Object accepts as a limit over RPC (validated at that boundary). */
export const limitSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('token_bucket'), maxTokens: count, tokensPerFill: count, fillIntervalMs: count }),
  z.strictObject({ kind: z.literal('sliding_window'), limit: count, windowMs: count }),
])

/** The most one request may cost under `spec`: the burst, or the window's limit. */
export const capacityOf = (spec: LimitSpec) => (spec.kind === 'token_bucket' ? spec.maxTokens : spec.limit)

/** Ignores a stored state of the other algorithm (the config changed the limit's kind): it starts over. */
function own<S extends LimitState>(state: LimitState | undefined, kind: S['kind']): S | undefined {
  return state?.kind === kind ? (state as S) : undefined
}

/**
 * Counts one request of `cost` against the limit at `now`. A refused request changes nothing.
 * @example consumeLimit(undefined, { kind: 'sliding_window', limit: 10, windowMs: 60_000 }, 1, Date.now())
 */
export function consumeLimit(state: LimitState | undefined, spec: LimitSpec, cost: number, now: number): { state: LimitState; outcome: Outcome; window: number } {
  if (spec.kind === 'token_bucket') return { ...consumeBucket(own(state, 'token_bucket'), spec, cost, now), window: 0 }
  const r = consumeWindow(own(state, 'sliding_window'), spec, cost, now)
  return { ...r, window: r.state.start }
}

/** A lease: up to `want` units, only if `need` fit. `window` identifies where the grant was counted (for returns). */
export function takeLease(
  state: LimitState | undefined,
  spec: LimitSpec,
  want: number,
  need: number,
  now: number
): { state: LimitState; granted: number; window: number; outcome: Outcome } {
  if (spec.kind === 'token_bucket') return { ...takeFromBucket(own(state, 'token_bucket'), spec, want, need, now), window: 0 }
  return takeFromWindow(own(state, 'sliding_window'), spec, want, need, now)
}

/** Gives back `tokens` that a lease (counted in `window`) or a refunded request did not use. */
export function giveBack(state: LimitState | undefined, spec: LimitSpec, tokens: number, window: number, now: number): LimitState {
  if (spec.kind === 'token_bucket') return returnToBucket(own(state, 'token_bucket'), spec, tokens, now)
  return returnToWindow(own(state, 'sliding_window'), spec, tokens, window, now)
}

/** From when forgetting `state` is lossless (the bucket is full again, the window counts nothing). */
export function idleAt(state: LimitState, spec: LimitSpec): number {
  if (state.kind === 'token_bucket' && spec.kind === 'token_bucket') return bucketIdleAt(state, spec)
  if (state.kind === 'sliding_window' && spec.kind === 'sliding_window') return windowIdleAt(state, spec)
  return 0
}

/**
 * When a lease granted at `now` stops being spendable: after `ttlMs`, and never after the end of the window it
 * was counted in (so leased requests always land in the window that counted them).
 */
export function leaseExpiry(spec: LimitSpec, window: number, now: number, ttlMs: number): number {
  const end = now + ttlMs
  return spec.kind === 'sliding_window' ? Math.min(end, window + spec.windowMs) : end
}

/**
 * The documented worst-case over-admission of `leased` mode compared with `exact` mode, in units: the token bucket
 * may admit, in any interval, what it would admit in that interval stretched by the lease TTL (a leased token is
 * spent at most `ttlMs` after it left the bucket), i.e. at most `tokensPerFill × ceil(ttl / fill_interval)` more.
 * A sliding window admits nothing more: a lease never outlives the window that counted it.
 */
export function leasedOverAdmission(spec: LimitSpec, ttlMs: number): number {
  return spec.kind === 'token_bucket' ? spec.tokensPerFill * Math.ceil(ttlMs / spec.fillIntervalMs) : 0
}
