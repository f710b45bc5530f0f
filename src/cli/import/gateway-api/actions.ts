/**
 * @module The action side of an HTTPRoute rule in Legate terms: header modifiers, RequestRedirect, URLRewrite,
 * RequestMirror, backendRefs (one, weighted, none), timeouts and retry. Each builder reports what it cannot map.
 */
import type { BackendRef, Filter, HeaderModifier, HttpRoute, PathModifier, Rule } from './manifests.ts'

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

export interface RuleContext {
  route: HttpRoute
  resource: string
  index: number
  problems: ImportProblem[]
  /** Every backend name the rule refers to (backendRefs and mirrors). */
  backends: Set<string>
}

/** Reports a problem at a field path relative to the rule. */
export type Fail = (field: string, message: string) => void

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

export function modifier(mod: HeaderModifier | undefined, dir: 'request' | 'response') {
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

export function redirectAction(f: Filter, at: string, prefix: string | undefined, fail: Fail) {
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

export function urlRewrite(f: Filter, at: string, prefix: string | undefined, fail: Fail) {
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

export function mirrorPolicy(f: Filter, at: string, cx: RuleContext, fail: Fail) {
  const m = f.requestMirror
  const cluster = m ? backendName(m.backendRef, `${at}.requestMirror.backendRef`, cx, fail) : undefined
  if (!m) fail(`${at}.requestMirror`, 'RequestMirror without requestMirror')
  const fraction = m?.fraction ? (m.fraction.numerator / (m.fraction.denominator ?? 100)) * 100 : (m?.percent ?? 100)
  if (!(fraction >= 0 && fraction <= 100)) fail(`${at}.requestMirror`, 'the mirrored share must be between 0 and 100 %')
  return { cluster, ...(fraction !== 100 ? { runtime_fraction: fraction } : {}) }
}

export function forwardAction(rule: Rule, cx: RuleContext, fail: Fail): Record<string, unknown> | undefined {
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
