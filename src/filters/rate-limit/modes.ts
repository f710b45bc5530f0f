/**
 * @module How one limit decides one request, per mode: `exact` (one call to the owning object), `local` (this
 * isolate only) and `binding` (Cloudflare's Rate Limiting binding). `leased` is in lease-mode.ts. A decision
 * is a value, never an exception.
 */
import { consumeLimit, giveBack } from '../../ratelimit/limit.ts'
import type { RequestContext } from '../types.ts'
import type { CompiledLimit } from './compile.ts'
import type { IsolateLimiter } from './isolate.ts'
import { type CallFailure, type ConsumeResult, type ReleaseResult, type Remote, withTimeout } from './remote.ts'

/** One limit's answer for one request. */
export type Decision =
  | {
      kind: 'ok'
      /** Unknown for the Workers binding. */
      remaining?: number
      resetMs: number
      /** Gives the request's units back (another limit refused the request). */
      refund?: () => void
    }
  | { kind: 'over'; remaining: number; resetMs: number; retryAfterMs: number }
  | { kind: 'error'; reason: CallFailure }

/** What every mode needs besides the limit and the key. */
export interface ModeContext {
  readonly rc: RequestContext
  readonly now: number
  readonly remote: Remote
  readonly isolate: IsolateLimiter
  readonly timeoutMs: number
  readonly leaseTtlMs: number
}

/** Exact: the owning object counts the request; a refund is a background `release`. */
export async function decideExact(l: CompiledLimit, key: string, m: ModeContext): Promise<Decision> {
  const spec = l.spec!
  const { rc, now, remote } = m
  const r = await remote.call<ConsumeResult>(rc, key, m.timeoutMs, (stub) => stub.consume(key, spec, l.cost, now))
  if (!r.ok) return { kind: 'error', reason: r.reason }
  const v = r.value
  if (!v.allowed) return { kind: 'over', remaining: v.remaining, resetMs: v.retryAfterMs, retryAfterMs: v.retryAfterMs }
  const refund = () =>
    rc.waitUntil(remote.call<ReleaseResult>(rc, key, Math.max(m.timeoutMs, 1_000), (stub) => stub.release(key, spec, l.cost, v.window, now)))
  return { kind: 'ok', remaining: v.remaining, resetMs: v.resetMs, refund }
}

/** Local: this isolate's own bucket or window, no object (approximate across isolates, free). */
export function decideLocal(l: CompiledLimit, key: string, m: ModeContext): Decision {
  const spec = l.spec!
  const { isolate, now } = m
  const r = consumeLimit(isolate.locals.get(key), spec, l.cost, now)
  isolate.locals.set(key, r.state)
  const o = r.outcome
  if (!o.allowed) return { kind: 'over', remaining: o.remaining, resetMs: o.retryAfterMs, retryAfterMs: o.retryAfterMs }
  const refund = () => isolate.locals.set(key, giveBack(isolate.locals.peek(key), spec, l.cost, r.window, now))
  return { kind: 'ok', remaining: o.remaining, resetMs: o.resetMs, refund }
}

/** The binding's API (`env.X.limit({ key })`); it tells neither what is left nor when quota returns. */
interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>
}

/** Workers Rate Limiting binding: per Cloudflare location, approximate; a refusal waits a whole period. */
export async function decideBinding(l: CompiledLimit, key: string, m: ModeContext): Promise<Decision> {
  const b = (m.rc.env as unknown as Record<string, unknown>)[l.binding!.name] as RateLimitBinding | undefined
  if (!b || typeof b.limit !== 'function') return { kind: 'error', reason: 'unreachable' }
  try {
    const r = await withTimeout(b.limit({ key }), m.timeoutMs)
    if (typeof r === 'symbol') return { kind: 'error', reason: 'timeout' }
    const period = l.binding!.periodMs
    return r.success ? { kind: 'ok', resetMs: 0 } : { kind: 'over', remaining: 0, resetMs: period, retryAfterMs: period }
  } catch {
    return { kind: 'error', reason: 'error' }
  }
}
