/**
 * @module Compiled string, header, query-parameter and cookie matchers (Envoy StringMatcher, HeaderMatcher,
 * QueryParameterMatcher, CookieMatcher). Everything is decided at compile time; the returned functions only compare.
 */
import type { HeaderReader } from '../http/upstream-headers.ts'
import type { CookieMatch, HeaderMatch, QueryMatch, StringMatch } from '../config/primitives.ts'
import { compileFullMatch } from '../lib/safe-regex.ts'

/** A compiled predicate over one string. */
export type StringPredicate = (value: string) => boolean

/** The value-matcher fields shared by header, query-parameter and cookie matchers. */
export type ValueMatch = Omit<HeaderMatch, 'name'>

/**
 * Compiles a regex for a FULL match (Envoy `safe_regex` semantics), so `a|ab` matches "ab". RE2 syntax, matched
 * in time linear in the input by re2js (src/lib/safe-regex.ts), whatever the pattern.
 * @param options.ignoreCase - RE2 case folding. @default false
 */
export function toFullMatchRegex(source: string, options: { ignoreCase?: boolean } = {}): StringPredicate {
  return compileFullMatch(source, options)
}

/**
 * Compiles an Envoy StringMatcher. `ignore_case` lower-cases both sides for exact/prefix/suffix/contains and adds
 * RE2 case folding to `regex` (unlike Envoy, which ignores it for regex: see `src/config/primitives.ts`).
 * @param m - a parsed matcher; exactly one of exact, prefix, suffix, contains, regex must be set.
 * @example compileStringMatch({ prefix: '/api', ignore_case: true })('/API/v1') // true
 */
export function compileStringMatch(m: StringMatch | ValueMatch): StringPredicate {
  const ic = m.ignore_case
  if (m.regex !== undefined) {
    return toFullMatchRegex(m.regex, { ignoreCase: ic })
  }
  const norm = (s: string) => (ic ? s.toLowerCase() : s)
  if (m.exact !== undefined) {
    const want = norm(m.exact)
    return ic ? (v) => v.toLowerCase() === want : (v) => v === want
  }
  if (m.prefix !== undefined) {
    const want = norm(m.prefix)
    return ic ? (v) => v.toLowerCase().startsWith(want) : (v) => v.startsWith(want)
  }
  if (m.suffix !== undefined) {
    const want = norm(m.suffix)
    return ic ? (v) => v.toLowerCase().endsWith(want) : (v) => v.endsWith(want)
  }
  if (m.contains !== undefined) {
    const want = norm(m.contains)
    return ic ? (v) => v.toLowerCase().includes(want) : (v) => v.includes(want)
  }
  throw new Error('string matcher has no specifier (exact, prefix, suffix, contains or regex)')
}

/**
 * Compiles the value part of a header/query/cookie matcher, Envoy HeaderMatcher semantics:
 * - no specifier means `present: true`;
 * - `present` compares presence (`treat_missing_as_empty` does not apply), then `invert`;
 * - otherwise a missing value fails, even when inverted, unless `treat_missing_as_empty` (then it is "").
 * @param m - the matcher without its name.
 * @returns a predicate over the value, `null`/`undefined` meaning absent.
 */
export function compileValueMatch(m: ValueMatch): (value: string | null | undefined) => boolean {
  const invert = m.invert
  const specifiers = [m.exact, m.prefix, m.suffix, m.contains, m.regex]
  if (specifiers.every((s) => s === undefined)) {
    const present = m.present ?? true
    return (v) => ((v != null) === present) !== invert
  }
  const test = compileStringMatch(m)
  const missingAsEmpty = m.treat_missing_as_empty
  return (v) => {
    if (v == null) {
      if (!missingAsEmpty) return false
      v = ''
    }
    return test(v) !== invert
  }
}

/**
 * Compiles a header matcher over a `Headers` object; the name is lower-cased here, once. A header sent on
 * several lines is matched as `Headers.get()` returns it: the values joined by ", " (Envoy joins with ",").
 * @param m - a parsed header matcher.
 * @example compileHeaderMatch(headerMatch.parse({ name: 'X-Env', exact: 'canary' }))(new Headers({ 'x-env': 'canary' }))
 */
export function compileHeaderMatch(m: HeaderMatch): (headers: HeaderReader) => boolean {
  const name = m.name.toLowerCase()
  const test = compileValueMatch(m)
  return (headers) => test(headers.get(name))
}

/**
 * Compiles a query-parameter matcher over the map returned by {@link parseQuery}.
 * @param m - a parsed query-parameter matcher; `name` is compared as received (case-sensitive, not decoded).
 */
export function compileQueryMatch(m: QueryMatch): (params: ReadonlyMap<string, string>) => boolean {
  const name = m.name
  const test = compileValueMatch(m)
  return (params) => test(params.get(name))
}

/**
 * Compiles a cookie matcher over the map returned by {@link parseCookies}.
 * @param m - a parsed cookie matcher; cookie names are case-sensitive.
 */
export function compileCookieMatch(m: CookieMatch): (cookies: ReadonlyMap<string, string>) => boolean {
  const name = m.name
  const test = compileValueMatch(m)
  return (cookies) => test(cookies.get(name))
}

/**
 * Parses a raw query string (`?a=1&b`, leading `?` optional) into first-value-wins pairs, as received: no
 * percent-decoding, no `+` to space. `key` without `=` has the value "" (Envoy QueryParamsMulti).
 * @param search - `URL.search`, or the part after `?`.
 */
export function parseQuery(search: string): Map<string, string> {
  const out = new Map<string, string>()
  const start = search.charCodeAt(0) === 63 /* ? */ ? 1 : 0
  if (search.length <= start) return out
  for (const part of search.slice(start).split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    if (!out.has(key)) out.set(key, eq < 0 ? '' : part.slice(eq + 1))
  }
  return out
}

/**
 * Parses a Cookie header (`a=1; b="2"`) into first-occurrence-wins pairs. Pairs without `=` are skipped and one
 * pair of surrounding double quotes is removed from values, as Envoy's cookie parser does. No decoding.
 * Several Cookie lines arrive joined by ", " from `Headers.get()`; only ";" separates pairs here.
 * @param header - the Cookie header value, or null when absent.
 */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const key = part.slice(0, eq).trim()
    if (!key || out.has(key)) continue
    let value = part.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    out.set(key, value)
  }
  return out
}
