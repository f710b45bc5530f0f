/**
 * @module One HTTPRoute rule to Legate routes: one route per match (a rule's matches are ORed; a Legate route has
 * one match), with the rule's filters, backends, timeouts and retry mapped onto the route table. What the table
 * cannot express is reported with the field it came from.
 */
import { checkSafeRegex } from '../../../lib/safe-regex.ts'
import { type Fail, forwardAction, mirrorPolicy, modifier, redirectAction, type RuleContext, urlRewrite } from './actions.ts'
import type { Filter, Match, Rule } from './manifests.ts'

export type { ImportProblem, RuleContext } from './actions.ts'

/** A Legate route before it is named and ordered, with what orders it (Gateway API match precedence). */
export interface RouteDraft {
  route: Record<string, unknown>
  /** Exact 3, RegularExpression 2, PathPrefix 1; the path's length; method; header count; query count. */
  rank: [number, number, number, number, number]
  matchIndex: number
}

const RULE_FIELDS = new Set(['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry'])

/** Converts one rule; returns null (and adds problems) when any part of it cannot be expressed. */
export function convertRule(rule: Rule, cx: RuleContext): RouteDraft[] | null {
  const field = `spec.rules[${cx.index}]`
  const ruleLabel = `rules[${cx.index}]${rule.name ? ` (${rule.name})` : ''}`
  const before = cx.problems.length
  const fail = (f: string, message: string) => cx.problems.push({ resource: cx.resource, rule: ruleLabel, field: `${field}.${f}`, message })

  for (const key of Object.keys(rule)) if (!RULE_FIELDS.has(key)) fail(key, `${key} is not supported: Legate's route table has no equivalent`)
  const filters = rule.filters ?? []
  const byType = new Map<string, { f: Filter; at: string }[]>()
  filters.forEach((f, i) => byType.set(f.type, [...(byType.get(f.type) ?? []), { f, at: `filters[${i}]` }]))
  for (const [type, list] of byType) {
    if (!['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror'].includes(type))
      fail(`${list[0]!.at}.type`, `filter type ${type} is not supported (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror)`)
    else if (type !== 'RequestMirror' && list.length > 1) fail(`${list[1]!.at}.type`, `${type} appears more than once in the rule`)
  }
  const one = (type: string) => byType.get(type)?.[0]
  const redirect = one('RequestRedirect')
  const rewrite = one('URLRewrite')
  if (redirect && rewrite) fail(`${rewrite.at}.type`, 'RequestRedirect and URLRewrite cannot be used together')

  const headers: Record<string, unknown> = {}
  const reqMod = one('RequestHeaderModifier')
  if (reqMod) Object.assign(headers, modifier(reqMod.f.requestHeaderModifier, 'request'))
  const resMod = one('ResponseHeaderModifier')
  if (resMod) Object.assign(headers, modifier(resMod.f.responseHeaderModifier, 'response'))

  const mirrors = byType.get('RequestMirror')
  const base = redirect ? undefined : forwardAction(rule, cx, fail)
  if (base && mirrors) base.request_mirror_policies = mirrors.map(({ f, at }) => mirrorPolicy(f, at, cx, fail))
  if (!redirect && !base && (rewrite || mirrors)) fail('backendRefs', 'URLRewrite and RequestMirror need a backendRef with a weight above 0')

  const matches: Match[] = rule.matches?.length ? rule.matches : [{}]
  const drafts: RouteDraft[] = []
  matches.forEach((m, j) => {
    const at = rule.matches?.length ? `matches[${j}]` : 'matches'
    const converted = convertMatch(m, at, fail)
    if (!converted) return
    let action: Record<string, unknown>
    if (redirect) action = { redirect: redirectAction(redirect.f, redirect.at, converted.prefix, fail) }
    else if (base) action = { forward: { ...base, ...(rewrite ? urlRewrite(rewrite.f, rewrite.at, converted.prefix, fail) : {}) } }
    // Gateway API: a rule without a usable backend answers 500.
    else action = { direct_response: { status: 500, body: 'no backend for this HTTPRoute rule' } }
    drafts.push({ route: { match: converted.match, ...action, ...headers }, rank: converted.rank, matchIndex: j })
  })
  return cx.problems.length > before ? null : drafts
}

function convertMatch(m: Match, at: string, fail: Fail) {
  const path = m.path ?? { type: 'PathPrefix', value: '/' }
  const value = path.value ?? '/'
  const type = path.type ?? 'PathPrefix'
  const match: Record<string, unknown> = {}
  let prefix: string | undefined
  let kind = 1
  if (type !== 'RegularExpression' && !value.startsWith('/')) return void fail(`${at}.path.value`, `"${value}" must start with "/"`)
  if (type === 'Exact') [match.exact, kind] = [value, 3]
  else if (type === 'PathPrefix') {
    // Segment semantics; a trailing "/" in the value is ignored (/abc/ and /abc both match /abc, /abc/x, not /abcx).
    prefix = value.replace(/\/+$/, '')
    if (prefix === '') match.prefix = '/'
    else match.segment_prefix = prefix
  } else if (type === 'RegularExpression') {
    const err = checkSafeRegex(value)
    if (err) return void fail(`${at}.path.value`, `regular expression refused (Legate runs RE2, in linear time): ${err}`)
    ;[match.regex, kind] = [value, 2]
  } else return void fail(`${at}.path.type`, `path match type ${type} is not supported`)
  const strings = (list: { type?: string; name: string; value: string }[] | undefined, field: string, fold: boolean) => {
    const seen = new Set<string>()
    const out: Record<string, unknown>[] = []
    list?.forEach((h, i) => {
      const key = fold ? h.name.toLowerCase() : h.name
      if (seen.has(key)) return // Gateway API: only the first entry with an equivalent name counts
      seen.add(key)
      const t = h.type ?? 'Exact'
      if (t === 'Exact') out.push({ name: h.name, exact: h.value })
      else if (t === 'RegularExpression') {
        const err = checkSafeRegex(h.value)
        if (err) fail(`${at}.${field}[${i}].value`, `regular expression refused: ${err}`)
        out.push({ name: h.name, regex: h.value })
      } else fail(`${at}.${field}[${i}].type`, `match type ${t} is not supported`)
    })
    return out
  }
  const headers = strings(m.headers, 'headers', true)
  const query = strings(m.queryParams, 'queryParams', false)
  if (headers.length) match.headers = headers
  if (query.length) match.query_parameters = query
  if (m.method) match.methods = [m.method]
  const rank: RouteDraft['rank'] = [kind, value.length, m.method ? 1 : 0, headers.length, query.length]
  return { match, prefix, rank }
}

