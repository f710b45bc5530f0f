/**
 * @module Compiles one RouteMatch, once per config version: its path test, the key the path index files it under,
 * and one function for every other predicate (methods, headers, query parameters, cookies).
 */
import type { RouteMatch } from '../config/schema.ts'
import {
  compileCookieMatch,
  compileHeaderMatch,
  compileQueryMatch,
  compileValueMatch,
  parseCookies,
  parseQuery,
  toFullMatchRegex,
} from './matchers.ts'
import type { MatchInput } from './routes.ts'
import { compileCaptures } from '../lib/safe-regex.ts'
import { regexLiteralPrefix } from './_regex-prefix.ts'
import { parseTemplate, templateLiteralPrefix } from './template.ts'

/** Which path specifier a route uses. */
export type PathKind = 'exact' | 'prefix' | 'segment_prefix' | 'regex' | 'template'

/** What a successful path test yields. */
export interface PathResult {
  params: Record<string, string>
  matchedPrefix?: string
}

/** The per-request values predicates read; query and cookies are parsed on first use only. */
export class RequestView {
  readonly input: MatchInput
  #query: Map<string, string> | undefined
  #cookies: Map<string, string> | undefined
  constructor(input: MatchInput) {
    this.input = input
  }
  get query(): Map<string, string> {
    return (this.#query ??= parseQuery(this.input.search))
  }
  get cookies(): Map<string, string> {
    return (this.#cookies ??= parseCookies(this.input.headers.get('cookie')))
  }
}

type Predicate = (req: RequestView) => boolean

/** Where the path index files a route: read from the match's strings alone, with no regex or template compiled. */
export interface RouteIndex {
  kind: PathKind
  /** exact: the path; otherwise a literal every matching path starts with. Lower-cased if not case-sensitive. */
  key: string
  /** False when `key` and the path test work on the lower-cased path. Always true for regex. */
  caseSensitive: boolean
}

/** The path fields of a route match, parsed or as stored (then `case_sensitive` may be absent: its default is true). */
export type IndexableMatch = Pick<RouteMatch, 'exact' | 'prefix' | 'segment_prefix' | 'regex' | 'template'> & { case_sensitive?: boolean }

/**
 * Indexes a match without compiling it, so a table can be built before its routes are (src/snapshot/lazy.ts).
 * Throws when no path specifier is set (the schema refuses that first).
 */
export function indexRoute(m: IndexableMatch, index: number): RouteIndex {
  // Runs once per route of every table an isolate loads: no closure, no regex compiled.
  const cs = m.case_sensitive !== false
  let kind: PathKind
  let key: string | undefined
  if ((key = m.exact) !== undefined) kind = 'exact'
  else if ((key = m.prefix) !== undefined) kind = 'prefix'
  else if ((key = m.segment_prefix) !== undefined) kind = 'segment_prefix'
  else if (m.regex !== undefined) return { kind: 'regex', key: regexLiteralPrefix(m.regex), caseSensitive: true } // case_sensitive does not apply (Envoy)
  else if (m.template !== undefined) {
    kind = 'template'
    key = templateLiteralPrefix(m.template)
  } else throw new Error(`route ${index}: no path specifier (exact, prefix, segment_prefix, regex or template)`)
  return { kind, key: cs ? key : key.toLowerCase(), caseSensitive: cs }
}

/** One compiled route. */
export interface CompiledRoute extends RouteIndex {
  /** `lower` is `path.toLowerCase()` when the table has case-insensitive routes, else `path` itself. */
  testPath: (path: string, lower: string) => PathResult | undefined
  /** Every non-path predicate but the methods, ANDed; undefined when there are none. */
  testRest: Predicate | undefined
  /** Allowed methods, tested before the path (the cheapest test: tables imported from OpenAPI differ by method). */
  methods: readonly string[] | undefined
}

/** `:authority` reads Host, `:method` and `:path` (with query) read the request; other pseudo-headers are absent. */
function compileHeaderPredicate(h: RouteMatch['headers'][number]): Predicate {
  const name = h.name.toLowerCase()
  if (name === ':authority') return compileHeaderPredicate({ ...h, name: 'host' })
  if (name === ':method' || name === ':path') {
    const test = compileValueMatch(h)
    return name === ':method'
      ? (r) => test(r.input.method)
      : (r) => test(r.input.path + r.input.search)
  }
  const test = compileHeaderMatch(h)
  return (r) => test(r.input.headers)
}

function compileRest(m: RouteMatch): Predicate | undefined {
  const preds: Predicate[] = []
  for (const h of m.headers) preds.push(compileHeaderPredicate(h))
  for (const q of m.query_parameters) {
    const test = compileQueryMatch(q)
    preds.push((r) => test(r.query))
  }
  for (const c of m.cookies) {
    const test = compileCookieMatch(c)
    preds.push((r) => test(r.cookies))
  }
  if (preds.length === 0) return undefined
  if (preds.length === 1) return preds[0]
  return (r) => {
    for (const p of preds) if (!p(r)) return false
    return true
  }
}

/** A template regex proven linear for backtracking (ParsedTemplate.linear) runs in V8, as fast as before. */
const v8Captures = (re: RegExp) => (path: string) => re.exec(path) ?? undefined

/**
 * Compiles a route's match. Throws on a template that does not parse (validation reports it first).
 * @param index - position in the route list, used in error messages.
 */
export function compileRoute(m: RouteMatch, index: number): CompiledRoute {
  const { kind, key, caseSensitive: cs } = indexRoute(m, index)
  const base = { kind, key, caseSensitive: cs, testRest: compileRest(m), methods: m.methods.length ? [...m.methods] : undefined }
  if (kind === 'exact') {
    const testPath = cs
      ? (path: string) => (path === key ? { params: {}, matchedPrefix: path } : undefined)
      : (path: string, lower: string) => (lower === key ? { params: {}, matchedPrefix: path } : undefined)
    return { ...base, testPath }
  }
  if (kind === 'prefix' || kind === 'segment_prefix') {
    const segment = kind === 'segment_prefix'
    const len = key.length
    const testPath = (path: string, lower: string): PathResult | undefined => {
      const s = cs ? path : lower
      if (!s.startsWith(key)) return undefined
      if (segment && s.length !== len && s.charCodeAt(len) !== 47 /* / */) return undefined
      return { params: {}, matchedPrefix: path.slice(0, len) }
    }
    return { ...base, testPath }
  }
  if (kind === 'regex') {
    const test = toFullMatchRegex(m.regex!)
    return { ...base, testPath: (path: string) => (test(path) ? { params: {} } : undefined) }
  }
  const t = parseTemplate(m.template!)
  if (t.error) throw new Error(`route ${index}: template ${JSON.stringify(m.template)}: ${t.error}`)
  // The regex is generated: V8 where parseTemplate proves backtracking linear (the common `/{id}/x` shapes),
  // RE2 otherwise (`/*-*-*` backtracks polynomially in V8 on a miss).
  const exec = t.linear ? v8Captures(new RegExp(t.source, cs ? '' : 'i')) : compileCaptures(t.source, { ignoreCase: !cs })
  const names = t.names
  const testPath = (path: string): PathResult | undefined => {
    const found = exec(path)
    if (!found) return undefined
    if (names.length === 0) return { params: {} }
    const params: Record<string, string> = {}
    for (let i = 0; i < names.length; i++) params[names[i]!] = found[i + 1] ?? ''
    return { params }
  }
  return { ...base, testPath }
}
