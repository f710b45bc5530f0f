/**
 * @module Calls to the RateLimiter Durable Objects: which object owns a key, a timeout on every call,
 * every call counted (`rate_limit.do_calls`), and every failure turned into a value (never an exception).
 */
import type { RateLimiter } from '../../../durable/rate-limiter.ts'
export type { ConsumeResult, LeaseResult, ReleaseResult } from '../../../durable/rate-limiter.ts'
import { shardOf } from '../../ratelimit/shard.ts'
import type { RequestContext } from '../types.ts'

type Namespace = DurableObjectNamespace<RateLimiter>
export type Stub = DurableObjectStub<RateLimiter>

/** Why a call produced no answer. */
export type CallFailure = 'timeout' | 'unreachable' | 'error' | 'bad_input'
/** A call's outcome: the object's `{ ok: true }` answer, or why there is none. */
export type CallResult<T> = { ok: true; value: Extract<T, { ok: true }> } | { ok: false; reason: CallFailure }

const TIMEOUT = Symbol('timeout')

/** Resolves to the promise's value, or TIMEOUT after `ms`; the timer is always cleared. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms)
  })
  return Promise.race([p, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer)
  })
}

let lastLog = 0
/** One log line per minute per isolate at most: an unreachable object must not flood the logs. */
function logFailure(reason: CallFailure, binding: string, detail: string) {
  const now = Date.now()
  if (now - lastLog < 60_000) return
  lastLog = now
  console.warn(JSON.stringify({ level: 'warn', msg: 'rate limit service call failed', reason, binding, detail }))
}

/** Object name for a shard: `rate_limit:<n>`. */
export const objectName = (shard: number) => `rate_limit:${shard}`

export interface RemoteOptions {
  binding: string
  shards: number
}

/** Access to the objects of one binding, shared by every request of a filter instance. */
export class Remote {
  readonly #binding: string
  readonly #shards: number

  constructor(o: RemoteOptions) {
    this.#binding = o.binding
    this.#shards = o.shards
  }

  /**
   * The stub of the object that owns `key`. Made per call: a stub is an I/O object of the request that made it and
   * cannot serve another request (workerd: "Cannot perform I/O on behalf of a different request").
   */
  #stub(env: Record<string, unknown>, key: string): Stub | undefined {
    const ns = env[this.#binding] as Namespace | undefined
    if (!ns || typeof (ns as { getByName?: unknown }).getByName !== 'function') return undefined
    return ns.getByName(objectName(shardOf(key, this.#shards)))
  }

  /**
   * Calls the object that owns `key`. Never throws: a missing binding, an exception, a `{ ok: false }` answer
   * and a timeout all come back as failures.
   */
  async call<T extends { ok: boolean }>(rc: RequestContext, key: string, timeoutMs: number, fn: (stub: Stub) => PromiseLike<unknown>): Promise<CallResult<T>> {
    const stub = this.#stub(rc.env as unknown as Record<string, unknown>, key)
    if (!stub) {
      logFailure('unreachable', this.#binding, 'no Durable Object namespace under this binding name')
      return { ok: false, reason: 'unreachable' }
    }
    rc.stats.counter('rate_limit.do_calls')
    try {
      const value = await withTimeout(Promise.resolve(fn(stub)) as Promise<T>, timeoutMs)
      if (value === TIMEOUT) {
        logFailure('timeout', this.#binding, `no answer within ${timeoutMs}ms`)
        return { ok: false, reason: 'timeout' }
      }
      if (!value.ok) {
        logFailure('bad_input', this.#binding, JSON.stringify(value))
        return { ok: false, reason: 'bad_input' }
      }
      return { ok: true, value: value as Extract<T, { ok: true }> }
    } catch (e) {
      logFailure('error', this.#binding, String((e as Error)?.message ?? e))
      return { ok: false, reason: 'error' }
    }
  }
}
