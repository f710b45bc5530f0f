/**
 * @module RFC 9111 as pure functions: Cache-Control parsing, whether a response may be stored by a shared cache,
 * its freshness lifetime, and the stale windows of RFC 5861 (stale-while-revalidate, stale-if-error).
 */
import { localResponse } from '../../http/owned-response.ts'

/** Directive name (lower case) → argument ('' for none). */
export type Directives = Map<string, string>

/** Parses a Cache-Control value; unknown directives are kept, malformed pieces skipped. */
export function parseCacheControl(value: string | null): Directives {
  const out: Directives = new Map()
  if (!value) return out
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (!name) continue
    const arg = eq < 0 ? '' : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    if (!out.has(name)) out.set(name, arg) // RFC 9111 §4.2.1: the first occurrence wins
  }
  return out
}

/** A delta-seconds argument, or undefined when absent or malformed. */
export function seconds(d: Directives, name: string): number | undefined {
  const v = d.get(name)
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined
}

/** Status codes a shared cache understands and may store with explicit freshness (no 206: the Cache API refuses it). */
const STORABLE = new Set([200, 203, 204, 300, 301, 302, 307, 308, 404, 405, 410, 414, 501])
/** "Heuristically cacheable" codes (RFC 9110 §15.1): the route's `default_ttl` applies only to these. */
const HEURISTIC = new Set([...STORABLE].filter((s) => s !== 302 && s !== 307))

/** What the cache decided about one upstream response. */
export type StorePlan =
  | { store: false }
  | {
      store: true
      /** Freshness lifetime, ms. */
      freshMs: number
      /** Stale windows after freshness, ms. */
      swrMs: number
      sieMs: number
      /** The origin's Age, ms (counted in the entry's age). */
      ageMs: number
      /** Kept this long past its stale windows to be revalidated (0 without a validator), ms. */
      keepMs: number
    }

const NO = { store: false } as const

export interface PolicyDefaults {
  defaultTtlMs?: number
  swrMs?: number
  sieMs?: number
  /** How long an entry with a validator is kept past its stale windows, to be revalidated. */
  keepMs: number
  maxBodyBytes: number
  /** Headers of the key: a response may vary on these (and on Accept-Encoding, which the runtime handles). */
  varyAllowed: ReadonlySet<string>
}

/**
 * RFC 9111 §3 for a shared cache, for a GET the cache may answer (Authorization already decided by the caller):
 * no `no-store`, no `private`, no Set-Cookie, no `Vary: *`, an understood status, explicit freshness (s-maxage >
 * max-age > Expires − Date) or a route default for heuristic codes. A response with a validator (ETag,
 * Last-Modified) is also stored when it must be revalidated before every use (`no-cache`) or has no freshness
 * left: it is kept `keepMs` past its stale windows for a conditional request to the origin (RFC 9111 §4.3).
 */
export function planStore(res: Response, now: number, d: PolicyDefaults, requestNoStore: boolean): StorePlan {
  const h = res.headers
  const cc = parseCacheControl(h.get('cache-control'))
  if (requestNoStore || !STORABLE.has(res.status) || cc.has('no-store') || cc.has('private') || h.has('set-cookie')) return NO
  const keepMs = hasValidator(h) ? d.keepMs : 0
  // no-cache (qualified or not, RFC 9111 §5.2.2.4): stored only to be revalidated before every use.
  const noCache = cc.has('no-cache')
  if (noCache && keepMs === 0) return NO
  const vary = h.get('vary')
  if (vary) {
    for (const v of vary.split(',')) {
      const name = v.trim().toLowerCase()
      if (name === '*') return NO
      // Cloudflare's cache ignores Vary: a variant is reachable only through the key's own headers.
      if (name && name !== 'accept-encoding' && !d.varyAllowed.has(name)) return NO
    }
  }
  const length = h.get('content-length')
  if (length !== null && Number(length) > d.maxBodyBytes) return NO

  let freshS = seconds(cc, 's-maxage') ?? seconds(cc, 'max-age')
  if (freshS === undefined && h.has('expires')) {
    const expires = Date.parse(h.get('expires')!)
    const date = h.has('date') ? Date.parse(h.get('date')!) : now
    // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
    freshS = Number.isNaN(expires) ? 0 : Math.max(0, Math.floor(((expires - (Number.isNaN(date) ? now : date)) / 1000)))
  }
  let freshMs: number
  if (noCache) freshMs = 0
  else if (freshS !== undefined) freshMs = freshS * 1000
  else if (d.defaultTtlMs !== undefined && HEURISTIC.has(res.status)) freshMs = d.defaultTtlMs
  else return NO
  const revalidate = noCache || cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage')
  // must-revalidate (and s-maxage, which implies proxy-revalidate) forbids serving stale (RFC 9111 §5.2.2.2).
  const swrMs = revalidate ? 0 : windowMs(cc, 'stale-while-revalidate', d.swrMs)
  const sieMs = revalidate ? 0 : windowMs(cc, 'stale-if-error', d.sieMs)
  const ageS = Number(h.get('age'))
  const ageMs = Number.isFinite(ageS) && ageS > 0 ? ageS * 1000 : 0
  if (freshMs - ageMs <= 0 && swrMs + sieMs + keepMs === 0) return NO
  return { store: true, freshMs, swrMs, sieMs, ageMs, keepMs }
}

/** Whether a stored response can be revalidated with a conditional request (RFC 9110 §8.8). */
export const hasValidator = (h: Headers) => h.has('etag') || h.has('last-modified')

function windowMs(cc: Directives, name: string, fallback: number | undefined): number {
  const s = seconds(cc, name)
  return s !== undefined ? s * 1000 : (fallback ?? 0)
}

const NONE = { noStore: false, noCache: false }

/** What the client's own Cache-Control asks of the cache (RFC 9111 §5.2.1). */
export function requestDirectives(value: string | null): { noStore: boolean; noCache: boolean } {
  if (value === null) return NONE
  const cc = parseCacheControl(value)
  return { noStore: cc.has('no-store'), noCache: cc.has('no-cache') || seconds(cc, 'max-age') === 0 }
}

const etagOf = (v: string) => v.trim().replace(/^W\//, '')

/**
 * Whether a stored response answers the client's conditional GET with 304 (RFC 9110 §13.1.2, §13.1.3: weak
 * comparison for If-None-Match, which takes precedence over If-Modified-Since).
 */
export function notModified(req: Headers, stored: Headers): boolean {
  const inm = req.get('if-none-match')
  if (inm !== null) {
    const etag = stored.get('etag')
    if (inm.trim() === '*') return true
    return etag !== null && inm.split(',').some((t) => etagOf(t) === etagOf(etag))
  }
  const ims = req.get('if-modified-since')
  if (ims === null) return false
  const lm = stored.get('last-modified') ?? stored.get('date')
  if (lm === null) return false
  const since = Date.parse(ims)
  const modified = Date.parse(lm)
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since
}

/** The 304 for a stored response: its headers without the representation's own (RFC 9110 §15.4.5). */
export function notModifiedResponse(stored: Headers): Response {
  const headers = new Headers(stored)
  headers.delete('content-type')
  headers.delete('content-length')
  return localResponse(null, { status: 304, headers })
}
