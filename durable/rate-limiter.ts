/**
 * @module RateLimiter Durable Object: the token buckets and sliding windows of the keys it owns (a key belongs to
 * object `rate_limit:<jump hash of the key mod shards>`). Counting happens in memory (the object serializes every
 * call, so counts are exact); changes are written to SQLite within `FLUSH_MS`, and a key is deleted a grace period
 * after forgetting it became lossless. One alarm does both. Thin: the math is in src/ratelimit/. Every method takes
 * the caller's clock.
 */
import { DurableObject } from 'cloudflare:workers'
import * as z from 'zod'
import type { Env } from '../src/env.ts'
import { KeyStore } from '../src/ratelimit/key-store.ts'
import { capacityOf, consumeLimit, giveBack, idleAt, type LimitSpec, type LimitState, leaseExpiry, limitSpecSchema, takeLease } from '../src/ratelimit/limit.ts'

/** Answer of `consume`: the request is counted (`allowed`) or refused; `window` identifies where it was counted. */
export type ConsumeResult =
  | { ok: true; allowed: boolean; remaining: number; resetMs: number; retryAfterMs: number; window: number }
  | BadInput
/** Answer of `lease`: `granted` tokens (0 when fewer than `need` are left), spendable until `expiresAt`. */
export type LeaseResult =
  | { ok: true; granted: number; remaining: number; resetMs: number; retryAfterMs: number; expiresAt: number; window: number }
  | BadInput
/** Answer of `release` and `flush`. */
export type DoneResult = { ok: true } | BadInput
export type ReleaseResult = DoneResult
export interface BadInput {
  ok: false
  code: 'ERR_BAD_INPUT'
  message: string
}

/** Changes reach SQLite at most this long after they happen (what a crashed or redeployed object may forget). */
export const FLUSH_MS = 1_000
/**
 * A key is deleted this long after it became idle, not at once: the callers' clocks (isolates on other machines,
 * a test's injected clock) may run behind the object's, and an early delete would forget counts that still matter.
 */
export const IDLE_GRACE_MS = 60_000

const args = z.strictObject({ key: z.string().min(1).max(512), limit: limitSpecSchema, n: z.number().int().min(0).max(1e12), now: z.number().finite() })

function parse(key: unknown, limit: unknown, n: unknown, now: unknown): { ok: true; spec: LimitSpec } | BadInput {
  const r = args.safeParse({ key, limit, n, now })
  if (!r.success) return { ok: false, code: 'ERR_BAD_INPUT', message: z.prettifyError(r.error) }
  return { ok: true, spec: r.data.limit }
}
const badInput = (message: string): BadInput => ({ ok: false, code: 'ERR_BAD_INPUT', message })

export class RateLimiter extends DurableObject<Env> {
  #store!: KeyStore
  /** Caller clock minus wall clock at the last call: expiries are in the callers' time. */
  #offset = 0
  /** Wall time the alarm is set for, and what for: a flush, or the expiry due at `#expiryDue` (callers' time). */
  #alarmAt: number | null = null
  #alarmFor: 'flush' | 'expiry' | null = null
  #expiryDue: number | null = null

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      this.#store = new KeyStore(ctx.storage.sql)
    })
  }

  /**
   * Counts one request of `cost` against `key` at `now` (exact mode). Refused requests count nothing.
   * @example await env.RATE_LIMITER.getByName('rate_limit:3').consume(key, { kind: 'sliding_window', limit: 100, windowMs: 60_000 }, 1, Date.now())
   */
  async consume(key: string, limit: LimitSpec, cost: number, now: number): Promise<ConsumeResult> {
    const p = parse(key, limit, cost, now)
    if (!p.ok) return p
    if (cost < 1 || cost > capacityOf(p.spec)) return badInput('cost must be 1..capacity')
    const r = consumeLimit(this.#store.get(key), p.spec, cost, now)
    await this.#save(key, r.state, p.spec, now)
    return { ok: true, ...r.outcome, window: r.window }
  }

  /**
   * Grants up to `want` tokens of `key` for local spending (leased mode), or none when fewer than `need` are left.
   * A grant expires after `ttlMs`, and never after the end of the window that counted it.
   */
  async lease(key: string, limit: LimitSpec, want: number, now: number, need = 1, ttlMs = 1_000): Promise<LeaseResult> {
    const p = parse(key, limit, want, now)
    if (!p.ok) return p
    if (!(need >= 1 && need <= want && ttlMs > 0)) return badInput('need must be 1..want and ttlMs > 0')
    const r = takeLease(this.#store.get(key), p.spec, want, need, now)
    await this.#save(key, r.state, p.spec, now)
    return { ok: true, granted: r.granted, ...r.outcome, expiresAt: leaseExpiry(p.spec, r.window, now, ttlMs), window: r.window }
  }

  /** Gives back `tokens` a lease (counted in `window`) or a refunded request did not use. */
  async release(key: string, limit: LimitSpec, tokens: number, window: number, now: number): Promise<ReleaseResult> {
    const p = parse(key, limit, tokens, now)
    if (!p.ok) return p
    const state = this.#store.get(key)
    if (state && tokens > 0) await this.#save(key, giveBack(state, p.spec, tokens, window, now), p.spec, now)
    return { ok: true }
  }

  /** Writes pending changes to SQLite now (the alarm does it within `FLUSH_MS` anyway). */
  async flush(): Promise<DoneResult> {
    this.#store.flush()
    await this.#arm()
    return { ok: true }
  }

  /** Flushes, deletes the keys expired by the time it was due, re-arms for the next flush or expiry. Idempotent. */
  override async alarm(): Promise<void> {
    // Fired for an expiry (possibly early, by a test's runDurableObjectAlarm): that expiry is due.
    const objectNow = Date.now() + this.#offset
    const now = this.#alarmFor === 'expiry' && this.#expiryDue !== null ? Math.max(this.#expiryDue, objectNow) : objectNow
    this.#alarmAt = null
    this.#alarmFor = null
    this.#store.flush()
    this.#store.expire(now)
    await this.#arm()
  }

  #toWall = (t: number) => t - this.#offset

  /** Keeps the new state in memory (or forgets an idle one) and makes sure a flush is coming. */
  async #save(key: string, state: LimitState, spec: LimitSpec, now: number): Promise<void> {
    this.#offset = now - Date.now()
    const idle = idleAt(state, spec)
    this.#store.set(key, idle <= now ? undefined : state, idle + IDLE_GRACE_MS)
    if (this.#alarmAt === null || this.#alarmAt > Date.now() + FLUSH_MS) await this.#arm()
  }

  /** One alarm: the next flush when changes are pending, else the earliest expiry (callers' time → wall clock). */
  async #arm(): Promise<void> {
    const next = this.#store.nextExpiry()
    this.#expiryDue = next === null ? null : Math.ceil(next / 1_000) * 1_000
    const expiryAt = this.#expiryDue === null ? null : this.#toWall(this.#expiryDue)
    const flushAt = this.#store.dirty ? Date.now() + FLUSH_MS : null
    const forFlush = flushAt !== null && (expiryAt === null || flushAt < expiryAt)
    const at = forFlush ? flushAt : expiryAt
    this.#alarmFor = at === null ? null : forFlush ? 'flush' : 'expiry'
    if (at === this.#alarmAt) return
    this.#alarmAt = at
    if (at === null) await this.ctx.storage.deleteAlarm()
    else await this.ctx.storage.setAlarm(at)
  }
}
