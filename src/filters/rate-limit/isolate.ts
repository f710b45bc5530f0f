/**
 * @module What one isolate remembers for rate limiting: leases (leased mode) and buckets (local mode), each in a
 * bounded LRU. One instance per isolate is shared by every rate_limit filter instance and config version, so an
 * isolate holds at most one lease per key. Tests create several to stand for several isolates.
 */
import type { LeaseState } from '../../ratelimit/lease.ts'
import type { LimitState } from '../../ratelimit/limit.ts'
import { Lru } from '../../ratelimit/lru.ts'
import type { CallFailure } from './remote.ts'

/** Keys remembered per isolate, per kind (leases, local buckets). */
export const ISOLATE_MAX_KEYS = 10_000

/** A lease and the one call for it that may be in flight. */
export interface LeaseEntry {
  state: LeaseState
  /**
   * The lease call in flight (foreground or background refill); every request needing tokens waits on it. Never
   * rejects: resolves to the failure, or undefined once the answer is folded into `state`.
   */
  pending?: Promise<CallFailure | undefined>
  /** Requests of this isolate waiting for tokens: the next grant asks for at least their total. */
  waiting: number
}

/** Per-isolate limiter state. */
export interface IsolateLimiter {
  readonly leases: Lru<string, LeaseEntry>
  readonly locals: Lru<string, LimitState>
}

/**
 * @param maxKeys - LRU bound for each kind. @default ISOLATE_MAX_KEYS
 */
export function createIsolateLimiter(maxKeys = ISOLATE_MAX_KEYS): IsolateLimiter {
  return { leases: new Lru(maxKeys), locals: new Lru(maxKeys) }
}

/** The isolate's own state, used by the registered filter. */
export const ISOLATE_LIMITER: IsolateLimiter = createIsolateLimiter()
