/**
 * @module One HTTPRoute rule to Legate routes: one route per match (a rule's matches are ORed; a Legate route has
 * one match), with the rule's filters, backends, timeouts and retry mapped onto the route table. What the table
 * cannot express is reported with the field it came from.
 */
import { checkSafeRegex } from '../../../lib/safe-regex.ts'
import type { BackendRef, Filter, HeaderModifier, HttpRoute, Match, PathModifier, Rule } from './manifests.ts'

/** A field the importer cannot map, or an invalid one. */
export interface ImportProblem {
  /** `HTTPRoute <namespace>/<name>`. */
  resource: string
  /** `rules[2]` or `rules[2] (name)`. */
  rule?: string
  /** The field's path in the resource, `spec.rules[2].filters[0].urlRewrite.hostname`. */
  field: string
  message: string
}

/** A Legate route before it is named and ordered, with what orders it (Gateway API match precedence). */
export interface RouteDraft {
  route: Record<string, unknown>
  /** Exact 3, RegularExpression 2, PathPrefix 1; the path's length; method; header count; query count. */
  rank: [number, number, number, number, number]
  matchIndex: number
}

const RULE_FIELDS = new Set(['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry'])
const DURATION_RE = /^(?:[0-9]{1,5}(?:h|m|s|ms)){1,4}$/
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }
const RE_SPECIAL = /[\\^$.|?*+()[\]{}]/g

/** Gateway API duration (`1h30m`, `500ms`, `0s`) in milliseconds; undefined when malformed. */
export function durationMs(d: string): number | undefined {
  if (!DURATION_RE.test(d)) return undefined
  let ms = 0
  for (const m of d.matchAll(/([0-9]+)(ms|h|m|s)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!
  return ms
}
const legateDuration = (ms: number) => (ms === 0 ? '0s' : `${ms}ms`)

/** Header values are literal in Gateway API; Legate's formatter reads `%`: write it as `%%`. */
const literal = (v: string) => v.replace(/%/g, '%%')

export interface RuleContext {
  route: HttpRoute
  resource: string
  index: number
  problems: ImportProblem[]
  /** Every backend name the rule refers to (backendRefs and mirrors). */
  backends: Set<string>
}

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

type Fail = (field: string, message: string) => void

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

function modifier(mod: HeaderModifier | undefined, dir: 'request' | 'response') {
  const add = [
    ...(mod?.set ?? []).map((h) => ({ header: { key: h.name, value: literal(h.value) }, append_action: 'overwrite_if_exists_or_add', ...(h.value === '' ? { keep_empty_value: true } : {}) })),
    ...(mod?.add ?? []).map((h) => ({ header: { key: h.name, value: literal(h.value) }, append_action: 'append_if_exists_or_add', ...(h.value === '' ? { keep_empty_value: true } : {}) })),
  ]
  const out: Record<string, unknown> = {}
  if (add.length) out[`${dir}_headers_to_add`] = add
  if (mod?.remove?.length) out[`${dir}_headers_to_remove`] = mod.remove
  return out
}

/** ReplacePrefixMatch for a PathPrefix match whose prefix (no trailing "/") is `p0`: Gateway API's segment rules. */
function replacePrefix(p0: string, replacement: string): Record<string, unknown> {
  const r0 = replacement.replace(/\/+$/, '')
  const sub = (s: string) => s.replace(/\\/g, '\\\\')
  if (p0 === '') return r0 === '' ? {} : { regex_rewrite: { pattern: '^/', substitution: `${sub(r0)}/` } }
  if (r0 === '') return { regex_rewrite: { pattern: `^${p0.replace(RE_SPECIAL, '\\$&')}/?`, substitution: '/' } }
  return { prefix_rewrite: r0 }
}

function pathModifier(p: PathModifier, at: string, prefix: string | undefined, fail: Fail, forRedirect: boolean): Record<string, unknown> {
  if (p.type === 'ReplaceFullPath') {
    const full = p.replaceFullPath ?? '/'
    if (forRedirect) return { path_redirect: full }
    return { regex_rewrite: { pattern: '^.*$', substitution: full.replace(/\\/g, '\\\\') } }
  }
  if (p.type === 'ReplacePrefixMatch') {
    if (prefix === undefined) {
      fail(`${at}.type`, 'ReplacePrefixMatch needs a PathPrefix match')
      return {}
    }
    return replacePrefix(prefix, p.replacePrefixMatch ?? '/')
  }
  fail(`${at}.type`, `path modifier type ${p.type} is not supported`)
  return {}
}

function redirectAction(f: Filter, at: string, prefix: string | undefined, fail: Fail) {
  const r = f.requestRedirect ?? {}
  const out: Record<string, unknown> = { response_code: r.statusCode ?? 302 }
  if (r.statusCode !== undefined && ![301, 302, 303, 307, 308].includes(r.statusCode))
    fail(`${at}.requestRedirect.statusCode`, `status ${r.statusCode} is not a redirect Legate sends (301, 302, 303, 307, 308)`)
  if (r.scheme !== undefined) {
    if (r.scheme !== 'http' && r.scheme !== 'https') fail(`${at}.requestRedirect.scheme`, `scheme ${r.scheme} is not supported (http, https)`)
    out.scheme_redirect = r.scheme
  }
  if (r.hostname !== undefined) out.host_redirect = r.hostname
  // Gateway API: a scheme without a port redirects to the scheme's well-known port, which the Location omits.
  if (r.port !== undefined) out.port_redirect = r.port
  else if (r.scheme !== undefined) out.port_redirect = r.scheme === 'https' ? 443 : 80
  if (r.path) Object.assign(out, pathModifier(r.path, `${at}.requestRedirect.path`, prefix, fail, true))
  return out
}

function urlRewrite(f: Filter, at: string, prefix: string | undefined, fail: Fail) {
  const u = f.urlRewrite ?? {}
  if (u.hostname !== undefined)
    fail(
      `${at}.urlRewrite.hostname`,
      "Legate's origin endpoints always receive their own Host (Workers' fetch sets it from the endpoint URL); point --backend at a URL with that host instead"
    )
  return u.path ? pathModifier(u.path, `${at}.urlRewrite.path`, prefix, fail, false) : {}
}

function backendName(ref: BackendRef, at: string, cx: RuleContext, fail: Fail): string | undefined {
  const kind = ref.kind ?? 'Service'
  const group = ref.group ?? ''
  if (kind !== 'Service' || (group !== '' && group !== 'core')) return void fail(`${at}.kind`, `backendRef kind ${group ? `${group}/` : ''}${kind} is not supported (Service only)`)
  if (!ref.name) return void fail(`${at}.name`, 'backendRef without a name')
  cx.backends.add(ref.name)
  return ref.name
}

function mirrorPolicy(f: Filter, at: string, cx: RuleContext, fail: Fail) {
  const m = f.requestMirror
  const cluster = m ? backendName(m.backendRef, `${at}.requestMirror.backendRef`, cx, fail) : undefined
  if (!m) fail(`${at}.requestMirror`, 'RequestMirror without requestMirror')
  const fraction = m?.fraction ? (m.fraction.numerator / (m.fraction.denominator ?? 100)) * 100 : (m?.percent ?? 100)
  if (!(fraction >= 0 && fraction <= 100)) fail(`${at}.requestMirror`, 'the mirrored share must be between 0 and 100 %')
  return { cluster, ...(fraction !== 100 ? { runtime_fraction: fraction } : {}) }
}

function forwardAction(rule: Rule, cx: RuleContext, fail: Fail): Record<string, unknown> | undefined {
  const refs = (rule.backendRefs ?? []).map((ref, i) => {
    const at = `backendRefs[${i}]`
    const name = backendName(ref, at, cx, fail)
    const mods: Record<string, unknown> = {}
    ref.filters?.forEach((bf, k) => {
      if (bf.type === 'RequestHeaderModifier') Object.assign(mods, modifier(bf.requestHeaderModifier, 'request'))
      else if (bf.type === 'ResponseHeaderModifier') Object.assign(mods, modifier(bf.responseHeaderModifier, 'response'))
      else fail(`${at}.filters[${k}].type`, `backendRef filter ${bf.type} is not supported (RequestHeaderModifier, ResponseHeaderModifier)`)
    })
    return { name: name ?? '', weight: ref.weight ?? 1, ...mods }
  })
  if (!refs.some((r) => r.weight > 0)) return undefined // Gateway API: no usable backend ⇒ 500
  const forward: Record<string, unknown> =
    refs.length === 1 && Object.keys(refs[0]!).length === 2 ? { cluster: refs[0]!.name } : { weighted_clusters: refs }
  const t = rule.timeouts ?? {}
  const request = t.request !== undefined ? durationMs(t.request) : undefined
  const backend = t.backendRequest !== undefined ? durationMs(t.backendRequest) : undefined
  if (t.request !== undefined && request === undefined) fail('timeouts.request', `"${t.request}" is not a Gateway API duration`)
  if (t.backendRequest !== undefined && backend === undefined) fail('timeouts.backendRequest', `"${t.backendRequest}" is not a Gateway API duration`)
  const r = rule.retry
  if (r) {
    const attempts = r.attempts ?? 1
    if (attempts > 10) fail('retry.attempts', 'Legate retries at most 10 times')
    const backoff = r.backoff !== undefined ? durationMs(r.backoff) : undefined
    if (r.backoff !== undefined && backoff === undefined) fail('retry.backoff', `"${r.backoff}" is not a Gateway API duration`)
    forward.retry_policy = {
      retry_on: r.codes?.length ? 'retriable-status-codes,connect-failure,reset' : 'connect-failure,reset',
      ...(r.codes?.length ? { retriable_status_codes: r.codes } : {}),
      num_retries: attempts,
      ...(backoff ? { retry_back_off: { base_interval: legateDuration(backoff) } } : {}),
      ...(backend ? { per_try_timeout: legateDuration(backend) } : {}),
    }
  }
  // The route timeout covers every attempt; without retries the backend timeout bounds the one attempt.
  const limits = [request, r ? undefined : backend].filter((x): x is number => x !== undefined)
  if (limits.length) {
    const positive = limits.filter((x) => x > 0)
    forward.timeout = legateDuration(positive.length ? Math.min(...positive) : 0)
  }
  return forward
}
