/**
 * @module jwt_authn token extraction: where a provider looks for its token, what it found, and removing the
 * token before the request goes upstream. Ambiguity is never resolved by guessing: two different tokens for
 * one provider, or two `Authorization` lines joined by `Headers.get` ("Bearer a, Bearer b"), are invalid.
 */
import type { RequestContext } from '../types.ts'
import type { JwtProviderConfig } from './config.ts'

export type Location =
  | { kind: 'header'; name: string; prefix: string; ignoreCase: boolean }
  | { kind: 'param'; name: string }
  | { kind: 'cookie'; name: string }

/** What one provider found in the request. `at` lists the locations that held something. */
export type Found =
  | { kind: 'none' }
  | { kind: 'token'; token: string; at: Location[] }
  | { kind: 'bad'; reason: 'malformed' | 'multiple_tokens' | 'too_large'; at: Location[] }

const BEARER: Location = { kind: 'header', name: 'authorization', prefix: 'bearer ', ignoreCase: true }
/** A second credential joined into one Authorization value by Headers.get. */
const JOINED_BEARER = /,\s*bearer\s/i

/** A provider's locations: its configured ones, or `Authorization: Bearer <token>` when none is set. */
export function toLocations(p: JwtProviderConfig): Location[] {
  const out: Location[] = []
  for (const h of p.from_headers ?? []) {
    const name = h.name.toLowerCase()
    const prefix = h.value_prefix ?? ''
    // RFC 7235: the auth-scheme is case-insensitive; other prefixes match exactly (Envoy).
    const ignoreCase = name === 'authorization' && prefix.toLowerCase() === 'bearer '
    out.push({ kind: 'header', name, prefix: ignoreCase ? 'bearer ' : prefix, ignoreCase })
  }
  for (const name of p.from_params ?? []) out.push({ kind: 'param', name })
  for (const name of p.from_cookies ?? []) out.push({ kind: 'cookie', name })
  return out.length ? out : [BEARER]
}

function cookieValues(header: string | null, name: string): string[] {
  const out: string[] = []
  for (const part of header?.split(';') ?? []) {
    const i = part.indexOf('=')
    if (i < 0 || part.slice(0, i).trim() !== name) continue
    const v = part.slice(i + 1).trim()
    out.push(v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v)
  }
  return out
}

/** Raw values at one location; `malformed` when a header carries a joined second credential. */
function valuesAt(rc: RequestContext, l: Location): string[] | 'malformed' {
  if (l.kind === 'param') return rc.url.searchParams.getAll(l.name)
  if (l.kind === 'cookie') return cookieValues(rc.header('cookie'), l.name)
  const v = rc.header(l.name)
  if (v === null) return []
  const head = v.slice(0, l.prefix.length)
  if (l.ignoreCase ? head.toLowerCase() !== l.prefix : head !== l.prefix) {
    // "Basic x, Bearer y": two Authorization lines; never let the Bearer one pass unverified.
    return l.ignoreCase && JOINED_BEARER.test(v) ? 'malformed' : []
  }
  const rest = v.slice(l.prefix.length).trim()
  return rest ? [rest] : []
}

/** Looks for a provider's token. Oversized values are refused before any pattern matching. */
export function findToken(rc: RequestContext, locations: readonly Location[], maxSize: number, wellFormed: (token: string) => boolean): Found {
  const at: Location[] = []
  const tokens = new Set<string>()
  let bad: 'malformed' | 'too_large' | undefined
  for (const l of locations) {
    const values = valuesAt(rc, l)
    if (values === 'malformed') {
      at.push(l)
      bad ??= 'malformed'
      continue
    }
    if (values.length) at.push(l)
    for (const v of values) {
      if (v.length > maxSize) bad ??= 'too_large'
      else if (!wellFormed(v)) bad ??= 'malformed'
      else tokens.add(v)
    }
  }
  if (bad) return { kind: 'bad', reason: bad, at }
  if (tokens.size > 1) return { kind: 'bad', reason: 'multiple_tokens', at }
  const [token] = tokens
  return token === undefined ? { kind: 'none' } : { kind: 'token', token, at }
}

function removeParam(url: URL, name: string) {
  const query = url.search.slice(1)
  if (!query) return
  const kept = query.split('&').filter((pair) => {
    const key = pair.split('=', 1)[0]!.replace(/\+/g, ' ')
    try {
      return decodeURIComponent(key) !== name
    } catch {
      return true
    }
  })
  url.search = kept.length ? `?${kept.join('&')}` : ''
}

function removeCookie(headers: Headers, name: string) {
  const header = headers.get('cookie')
  if (header === null) return
  const kept = header.split(';').filter((part) => {
    const i = part.indexOf('=')
    return i < 0 ? part.trim() !== '' : part.slice(0, i).trim() !== name
  })
  if (kept.length) headers.set('cookie', kept.map((p) => p.trim()).join('; '))
  else headers.delete('cookie')
}

/** Removes whatever was found at these locations from the upstream request (header, query, cookie). */
export function stripToken(rc: RequestContext, at: readonly Location[]) {
  for (const l of at) {
    if (l.kind === 'header') rc.deleteHeader(l.name)
    else if (l.kind === 'param') removeParam(rc.url, l.name)
    else removeCookie(rc.headers, l.name)
  }
}
