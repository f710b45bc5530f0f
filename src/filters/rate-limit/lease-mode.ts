/**
 * @module Leased mode: the isolate spends tokens granted by the owning object and asks for the next grant in the
 * background before they run out, so most requests pay no round trip. One call per key per isolate in flight at
 * a time; a refusal from the object is remembered until its retry time, so an over-limit key costs no round trip
 * either. Bound (docs/configuration.md, tested in test/filters/rate-limit/leased.test.ts): a grant is spent only
 * before its own expiry, so nothing is admitted that the object did not count, at most one lease TTL late.
 */
import { addGrant, expireGrants, heldTokens, type LeaseState, type Leftover, newLease, nextWant, spend, unspend, wantsRefill } from '../../ratelimit/lease.ts'
import type { CompiledLimit } from './compile.ts'
import type { LeaseEntry } from './isolate.ts'
import type { Decision, ModeContext } from './modes.ts'
import { type CallFailure, type LeaseResult, type ReleaseResult, withTimeout } from './remote.ts'

/** A background call may take longer than a request would wait for it. */
const BACKGROUND_TIMEOUT_MS = 2_000

/** Gives unspent tokens back in the background: all of them on eviction, otherwise when worth a call (≥ ¼ lease). */
function giveBackLeftovers(l: CompiledLimit, key: string, m: ModeContext, leftovers: Leftover[], all = false) {
  for (const { tokens, window } of leftovers) {
    if (!all && tokens * 4 < l.maxLease) continue
    m.rc.waitUntil(m.remote.call<ReleaseResult>(m.rc, key, BACKGROUND_TIMEOUT_MS, (stub) => stub.release(key, l.spec!, tokens, window, m.now)))
  }
}

/** Asks the object for a grant and folds the answer into the lease. Sets (and clears) `e.pending`. */
function requestGrant(l: CompiledLimit, key: string, m: ModeContext, e: LeaseEntry, busy: boolean): Promise<CallFailure | undefined> {
  const s = e.state
  const want = Math.max(nextWant(s, l.cost, busy), Math.min(s.max, e.waiting * l.cost))
  const { now, leaseTtlMs: ttl } = m
  const pending = m.remote
    .call<LeaseResult>(m.rc, key, Math.max(BACKGROUND_TIMEOUT_MS, m.timeoutMs), (stub) => stub.lease(key, l.spec!, want, now, l.cost, ttl))
    .then((r): CallFailure | undefined => {
      if (e.pending === pending) e.pending = undefined
      if (!r.ok) return r.reason
      const v = r.value
      if (v.granted > 0) addGrant(s, { tokens: v.granted, granted: v.granted, expiresAt: v.expiresAt, window: v.window, at: now })
      else s.deniedUntil = now + v.retryAfterMs
      s.remoteRemaining = v.remaining
      s.resetAt = now + v.resetMs
      return undefined
    })
  e.pending = pending
  return pending
}

function okDecision(l: CompiledLimit, s: LeaseState, now: number): Decision {
  return { kind: 'ok', remaining: s.remoteRemaining + heldTokens(s), resetMs: Math.max(0, s.resetAt - now), refund: () => unspend(s, l.cost, now) }
}

function overDecision(s: LeaseState, now: number): Decision {
  const wait = Math.max(1, s.deniedUntil - now)
  return { kind: 'over', remaining: 0, resetMs: wait, retryAfterMs: wait }
}

/** Decides one request in leased mode. */
export async function decideLeased(l: CompiledLimit, key: string, m: ModeContext): Promise<Decision> {
  const { isolate, now } = m
  let e = isolate.leases.get(key)
  if (!e) {
    e = { state: newLease(l.maxLease), waiting: 0 }
    const evicted = isolate.leases.set(key, e)
    if (evicted) giveBackLeftovers(l, evicted[0], m, evicted[1].state.grants.filter((g) => g.expiresAt > now), true)
  }
  const s = e.state
  giveBackLeftovers(l, key, m, expireGrants(s, now))

  if (spend(s, l.cost)) {
    if (!e.pending && wantsRefill(s, now, m.leaseTtlMs)) {
      const newest = s.grants[s.grants.length - 1]!
      m.rc.waitUntil(requestGrant(l, key, m, e, newest.tokens * 2 <= newest.granted))
    }
    return okDecision(l, s, now)
  }
  if (now < s.deniedUntil && !e.pending) return overDecision(s, now)

  // Not enough tokens held: wait, within the request's timeout, for the call in flight or a new one. Concurrent
  // requests may drain a grant before this one spends: then it asks again, until the deadline.
  const deadline = Date.now() + m.timeoutMs
  e.waiting++
  try {
    while (Date.now() < deadline) {
      const call = e.pending ?? requestGrant(l, key, m, e, false)
      const failure = await withTimeout(call, Math.max(1, deadline - Date.now()))
      if (typeof failure === 'symbol') break
      if (failure) return { kind: 'error', reason: failure }
      expireGrants(s, now)
      if (spend(s, l.cost)) return okDecision(l, s, now)
      if (now < s.deniedUntil) return overDecision(s, now)
    }
  } finally {
    e.waiting--
  }
  return { kind: 'error', reason: 'timeout' }
}
