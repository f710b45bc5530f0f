/**
 * @module Per-isolate lease accounting for one key (the `leased` mode): the tokens this isolate holds, in grants
 * (normally the current one and one background refill) that each stay spendable only until their own expiry; how
 * big the next grant should be; when to refill. Pure: the filter does the I/O, the clock is a parameter.
 */

/** Tokens granted by the owning RateLimiter object, spendable until `expiresAt`. */
export interface Grant {
  /** Still unspent. */
  tokens: number
  /** As granted. */
  granted: number
  expiresAt: number
  /** Where the object counted it (a window start; 0 for a token bucket), needed to give tokens back. */
  window: number
  /** When it was granted. */
  at: number
}

/** Everything one isolate knows about one key. */
export interface LeaseState {
  /** Oldest first (usually one or two). */
  grants: Grant[]
  /** Size of the next grant to ask for, adapted to demand. */
  size: number
  /** Largest grant ever asked for (`lease.max_fraction` of the limit). */
  max: number
  /** A grant was spent out before it expired since the last request for one: demand exceeds the grant size. */
  ranOut: boolean
  /** The object refused a grant: requests are refused locally until then (no round trip while over limit). */
  deniedUntil: number
  /** The object's last word, for response headers: remaining after the last grant, and its reset time. */
  remoteRemaining: number
  resetAt: number
}

/** What an expired or evicted grant leaves to give back. */
export interface Leftover {
  tokens: number
  window: number
}

/** A fresh lease state: the first grant is an eighth of the maximum (a cold key does not hoard tokens). */
export function newLease(max: number): LeaseState {
  return { grants: [], size: Math.max(1, Math.ceil(max / 8)), max: Math.max(1, max), ranOut: false, deniedUntil: 0, remoteRemaining: 0, resetAt: 0 }
}

/** Tokens spendable now (call {@link expireGrants} first). */
export const heldTokens = (s: LeaseState) => s.grants.reduce((n, g) => n + g.tokens, 0)

/**
 * Drops grants that expired at `now` and returns their unspent tokens. A grant that expired unused shrinks the
 * next request towards what was used (×1.5), by half at most per expiry so that one quiet grant (say, a refill
 * that arrived as the previous grant still had tokens) does not collapse it.
 */
export function expireGrants(s: LeaseState, now: number): Leftover[] {
  const out: Leftover[] = []
  while (s.grants.length && s.grants[0]!.expiresAt <= now) {
    const g = s.grants.shift()!
    if (g.tokens > 0) {
      out.push({ tokens: g.tokens, window: g.window })
      s.size = Math.max(1, Math.ceil(s.size / 2), Math.min(s.size, Math.ceil((g.granted - g.tokens) * 1.5)))
    }
  }
  return out
}

/**
 * Spends `cost` from the oldest grants first; spent-out grants are dropped (and `ranOut` set). False (nothing
 * spent) when they hold less.
 */
export function spend(s: LeaseState, cost: number): boolean {
  if (heldTokens(s) < cost) return false
  let left = cost
  for (const g of s.grants) {
    const n = Math.min(g.tokens, left)
    g.tokens -= n
    left -= n
    if (left === 0) break
  }
  while (s.grants.length && s.grants[0]!.tokens === 0) {
    s.grants.shift()
    s.ranOut = true
  }
  return true
}

/** Gives back a refunded request's tokens to the newest grant still alive (no-op when none is). */
export function unspend(s: LeaseState, cost: number, now: number): void {
  const g = s.grants[s.grants.length - 1]
  if (g && g.expiresAt > now) g.tokens = Math.min(g.granted, g.tokens + cost)
}

/**
 * Whether to ask for the next grant in the background now: only one refill at a time (the caller tracks it), at
 * most two grants, and either the newest grant is half spent (demand is high: the next one doubles) or it has
 * less than a quarter of its life left.
 */
export function wantsRefill(s: LeaseState, now: number, ttlMs: number): boolean {
  if (s.grants.length !== 1 || now < s.deniedUntil) return false
  const g = s.grants[0]!
  return g.tokens * 2 <= g.granted || g.expiresAt - now <= ttlMs / 4
}

/**
 * How many tokens to ask for; at least `need`. `busy` (half a grant spent well before its expiry) or a grant spent
 * out since the last request doubles the size.
 */
export function nextWant(s: LeaseState, need: number, busy: boolean): number {
  if (busy || s.ranOut) s.size = Math.min(s.max, s.size * 2)
  s.ranOut = false
  return Math.max(need, s.size)
}

/** Adds a grant from the object (kept in expiry order). */
export function addGrant(s: LeaseState, g: Grant): void {
  if (g.tokens <= 0) return
  s.grants.push(g)
  s.grants.sort((a, b) => a.expiresAt - b.expiresAt)
}
