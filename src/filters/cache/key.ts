/**
 * @module Cache keys. One key per (generation, route, variant, host, path, normalized query): the variant holds
 * the values of the configured key headers and cookies and, for per-identity caching, the identity. Values are
 * percent-encoded into the key, never hashed, so two variants can never collide.
 */
import type { HeaderReader } from '../../http/upstream-headers.ts'
import type { CacheConfig } from './config.ts'
import type { Generations } from './generations.ts'

/** Path prefix of every key URL; the admin prefix, so no client request can be mistaken for one. */
export const KEY_PREFIX = '/__legate/ck/'
/** Longer keys are not cached (x-cache: BYPASS): a key is a URL and a cookie may be long. */
export const MAX_KEY_LENGTH = 8192

/** What a key is built from, precomputed per config. */
export interface KeyPlan {
  query: (url: URL) => string
  headers: readonly string[]
  cookies: readonly string[]
}

/** `?name=value` of characters form-urlencoding leaves as they are. */
const PLAIN_PAIR = /^\?[\w.*-]+=[\w.*-]*$/

export function compileKeyPlan(key: CacheConfig['key']): KeyPlan {
  const names = new Set(key.query.names)
  const sort = key.query.sort
  const query = (url: URL): string => {
    const search = url.search
    if (key.query.mode === 'none' || search === '') return ''
    // One plain parameter: already in the form the general path would write it (nothing to sort or re-encode).
    if (key.query.mode === 'all' && PLAIN_PAIR.test(search)) return search.slice(1)
    let kept = [...url.searchParams]
    if (key.query.mode === 'include') kept = kept.filter(([k]) => names.has(k))
    else if (key.query.mode === 'exclude') kept = kept.filter(([k]) => !names.has(k))
    if (sort) kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return new URLSearchParams(kept).toString()
  }
  return { query, headers: key.headers.map((h) => h.toLowerCase()), cookies: key.cookies }
}

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** The parts of a request a key is made of (the admin API builds them from a URL). */
export interface KeyInput {
  url: URL
  /** The upstream-bound headers (the key headers and cookies are read from them). */
  headers: HeaderReader
  routeName: string
  vhostName: string
  /** Per-identity caching: the identity, or undefined for a shared entry. */
  identity?: string | undefined
}

/** The key URL, or undefined when it would be too long. */
export function cacheKeyUrl(plan: KeyPlan, input: KeyInput, gens: Generations): string | undefined {
  const variant: (string | null)[] = []
  for (const h of plan.headers) variant.push(input.headers.get(h))
  if (plan.cookies.length) {
    const cookie = input.headers.get('cookie')
    for (const c of plan.cookies) variant.push(cookieValue(cookie, c) ?? null)
  }
  if (input.identity !== undefined) variant.push(`id:${input.identity}`)
  const v = variant.length ? encodeURIComponent(JSON.stringify(variant)) : '-'
  const gen = `${gens.global}.${gens.routes[input.routeName] ?? 0}`
  const q = plan.query(input.url)
  const url = `${input.url.protocol}//${input.url.host}${KEY_PREFIX}${gen}/${encodeURIComponent(input.vhostName)}/${encodeURIComponent(input.routeName)}/${v}${input.url.pathname}${q ? `?${q}` : ''}`
  return url.length > MAX_KEY_LENGTH ? undefined : url
}
