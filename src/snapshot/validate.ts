/** @module validateConfig: schema parse, then every cross-reference, all errors at once. */
import type { FilterFactory } from '../filters/types.ts'
import { captureGroups } from '../lib/safe-regex.ts'
import { parseTemplate } from '../router/template.ts'
import { CompileError, compileConfig } from './compile.ts'
import { type ConfigIssue, fromZod, toPath } from '../config/issues.ts'
import { linkInherited, mergeOverrides, originOf } from '../config/overrides.ts'
import { createConfigSchema, type GatewayConfig, type RouteConfig } from '../config/schema.ts'
import { isObject } from '../lib/is-object.ts'

export interface ValidateOptions {
  /**
   * Also build the table once (filters' own references, e.g. a jwt_authn provider or an ext_authz cluster), so
   * the CLI and the admin API refuse what the gateway would refuse on load. @default true
   */
  trialCompile?: boolean
}

export type ValidationResult = { ok: true; config: GatewayConfig } | { ok: false; issues: ConfigIssue[] }

const schemaCache = new WeakMap<readonly FilterFactory[], ReturnType<typeof createConfigSchema>>()

export function schemaFor(filters: readonly FilterFactory[]) {
  let s = schemaCache.get(filters)
  if (!s) schemaCache.set(filters, (s = createConfigSchema(filters)))
  return s
}

/**
 * Validates a parsed YAML/JSON document. Never throws: an exception from a check is a bug in legate, reported as
 * an issue with its own message (test/config/validate-fuzz.test.ts fails on it) rather than thrown at the caller.
 */
export function validateConfig(input: unknown, filters: readonly FilterFactory[], options: ValidateOptions = {}): ValidationResult {
  try {
    const tooDeep = checkDepth(input)
    if (tooDeep) return { ok: false, issues: [tooDeep] }
    return validate(input, filters, options)
  } catch (e) {
    return { ok: false, issues: [{ path: '', message: `${INTERNAL_ERROR}: ${(e as Error)?.message ?? String(e)}` }] }
  }
}

/** Prefix of the issue that reports an exception from validation itself. */
export const INTERNAL_ERROR = 'internal error while validating (a bug in legate)'

/** Deeper than any real table (a jwt_authn requirement nests ~2 levels per `requires_any`); recursion stays bounded. */
export const MAX_DEPTH = 64

/**
 * Finds a value nested deeper than MAX_DEPTH (or a cycle), iteratively, before a recursive parser meets it. Keeps
 * one frame per value (its parent and key), so the path is only built for the value it reports.
 */
function checkDepth(input: unknown): ConfigIssue | undefined {
  type Frame = { v: unknown; depth: number; key: PropertyKey; parent: Frame | undefined }
  const stack: Frame[] = [{ v: input, depth: 0, key: '', parent: undefined }]
  const seen = new Map<object, number>()
  while (stack.length) {
    const frame = stack.pop()!
    const { v, depth } = frame
    if (typeof v !== 'object' || v === null) continue
    if (depth > MAX_DEPTH) {
      const path: PropertyKey[] = []
      for (let f: Frame | undefined = frame; f?.parent; f = f.parent) path.unshift(f.key)
      return { path: toPath(path), message: `nested deeper than ${MAX_DEPTH} levels` }
    }
    if ((seen.get(v) ?? -1) >= depth) continue // shared (YAML alias): already walked from as deep
    seen.set(v, depth)
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, key: i, parent: frame })
    else for (const k in v) if (Object.hasOwn(v, k)) stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1, key: k, parent: frame })
  }
  return undefined
}

function validate(input: unknown, filters: readonly FilterFactory[], options: ValidateOptions): ValidationResult {
  const merged = mergeOverrides(input)
  const parsed = schemaFor(filters).safeParse(merged.input)
  if (!parsed.success) {
    // Report everything at once: cross-references are checked on the raw input too, best effort. An issue in a
    // field an override inherited is reported where the field is written (once, as the entry reports it too).
    const issues: ConfigIssue[] = []
    const seen = new Set<string>()
    for (const i of fromZod(parsed.error.issues)) {
      const issue = { ...i, path: originOf(i.path, merged.byPath) }
      if (!seen.has(`${issue.path}\0${issue.message}`)) issues.push(issue)
      seen.add(`${issue.path}\0${issue.message}`)
    }
    const loose = loosen(input)
    if (loose)
      for (const i of crossCheck(loose, true)) if (!seen.has(`${i.path}\0${i.message}`)) issues.push(i)
    return { ok: false, issues }
  }
  const config = parsed.data as unknown as GatewayConfig
  linkInherited(config, merged.byPath)
  const issues = [...crossCheck(config), ...checkDefaultConfigs(config, filters)]
  if (!issues.length && options.trialCompile !== false) {
    try {
      compileConfig(config, 0, filters)
    } catch (e) {
      if (!(e instanceof CompileError)) throw e
      issues.push({ path: e.path, message: e.message })
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, config }
}

/** Same indices as the input, with anything that is not an object replaced by {} so paths stay right. */
const objects = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map((x) => (isObject(x) ? x : {})) : [])

/** Shapes raw (schema-invalid) input enough for crossCheck, which then skips what it cannot read. */
function loosen(input: unknown): GatewayConfig | undefined {
  if (!isObject(input)) return undefined
  return {
    gateway: { max_direct_response_body_bytes: 4096, ...(isObject(input.gateway) ? input.gateway : {}) },
    http_filters: objects(input.http_filters),
    clusters: objects(input.clusters).map((c) => ({ ...c, endpoints: objects(c.endpoints) })),
    virtual_hosts: objects(input.virtual_hosts).map((v) => ({
      ...v,
      domains: Array.isArray(v.domains) ? v.domains.map((d) => (typeof d === 'string' ? d : '*')) : [],
      routes: objects(v.routes).map((r) => ({ ...r, match: isObject(r.match) ? r.match : {} })),
    })),
  } as unknown as GatewayConfig
}

/** A filter enabled without a config must accept `{}` (its defaults). */
function checkDefaultConfigs(config: GatewayConfig, filters: readonly FilterFactory[]): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const byName = new Map(filters.map((f) => [f.name, f]))
  const enabledByTrue = (name: string) =>
    config.virtual_hosts.some((vh) => vh.filters?.[name] === true || vh.routes.some((r) => r.filters?.[name] === true))
  config.http_filters.forEach((entry, i) => {
    if (entry.config !== undefined || (entry.disabled && !enabledByTrue(entry.name))) return
    const parsed = byName.get(entry.name)?.configSchema.safeParse({})
    if (parsed && !parsed.success)
      for (const issue of fromZod(parsed.error.issues, ['http_filters', i, 'config']))
        issues.push({ ...issue, message: `${issue.message} (filter "${entry.name}" needs a config here)` })
  })
  return issues
}

const list = (names: Iterable<string>) => [...names].join(', ') || 'none'

function duplicates(names: { name: string; path: string }[], what: string, issues: ConfigIssue[]) {
  const seen = new Map<string, string>()
  for (const { name, path } of names) {
    if (typeof name !== 'string') continue
    const first = seen.get(name)
    if (first !== undefined) issues.push({ path, message: `duplicate ${what} "${name}" (first defined at ${first})` })
    else seen.set(name, path)
  }
}

/** Number of capture groups in a regex source, as RE2 counts them. */
function captureCount(source: string): number {
  return captureGroups(source) ?? 9 // an invalid pattern is reported at its own field
}

function checkSubstitution(pattern: string, substitution: string, path: string, issues: ConfigIssue[]) {
  const groups = captureCount(pattern)
  for (const m of substitution.matchAll(/\\(\d)/g)) {
    if (Number(m[1]) > groups)
      issues.push({ path, message: `substitution refers to \\${m[1]} but the pattern has ${groups} capture group(s)` })
  }
}

function checkDomain(domain: string, path: string, issues: ConfigIssue[]) {
  if (domain === '*') return
  const stars = domain.split('*').length - 1
  if (stars > 1 || (stars === 1 && !domain.startsWith('*') && !domain.endsWith('*')) || domain.length === 1)
    issues.push({ path, message: `"${domain}": a wildcard is "*", "*.suffix" or "prefix.*" (one "*", at an end)` })
}

function checkRoute(
  route: RouteConfig,
  path: string,
  config: GatewayConfig,
  clusters: Map<string, GatewayConfig['clusters'][number]>,
  chain: Set<string>,
  issues: ConfigIssue[]
) {
  const f = route.forward
  if (f) {
    const refs = f.cluster !== undefined ? [{ name: f.cluster, at: `${path}.forward.cluster` }] : []
    f.weighted_clusters?.forEach((w, i) => refs.push({ name: w.name, at: `${path}.forward.weighted_clusters[${i}].name` }))
    // A loose check (the schema failed elsewhere) sees the raw input: no defaults, any shape.
    const mirrors: unknown = f.request_mirror_policies
    if (Array.isArray(mirrors))
      mirrors.forEach((m: { cluster?: unknown } | null, i) => {
        if (typeof m?.cluster === 'string' && !clusters.has(m.cluster))
          issues.push({ path: `${path}.forward.request_mirror_policies[${i}].cluster`, message: `unknown cluster "${m.cluster}" (known: ${list(clusters.keys())})` })
      })
    for (const r of refs)
      if (!clusters.has(r.name)) issues.push({ path: r.at, message: `unknown cluster "${r.name}" (known: ${list(clusters.keys())})` })
    if (f.host_rewrite !== undefined)
      for (const r of refs)
        if (clusters.get(r.name)?.endpoints.some((e) => e.url !== undefined))
          issues.push({
            path: `${path}.forward.host_rewrite`,
            message: `cluster "${r.name}" has origin endpoints, which always receive their own host on Workers; host_rewrite applies to service endpoints only`,
          })
    if (f.weighted_clusters && f.weighted_clusters.reduce((s, w) => s + w.weight, 0) === 0)
      issues.push({ path: `${path}.forward.weighted_clusters`, message: 'the weights must not all be 0' })
    if (f.prefix_rewrite !== undefined && route.match.regex !== undefined)
      issues.push({ path: `${path}.forward.prefix_rewrite`, message: 'prefix_rewrite needs an exact, prefix or segment_prefix match (use regex_rewrite)' })
    if (f.prefix_rewrite !== undefined && route.match.template !== undefined)
      issues.push({ path: `${path}.forward.prefix_rewrite`, message: 'prefix_rewrite needs an exact, prefix or segment_prefix match (use template_rewrite)' })
    if (f.regex_rewrite) checkSubstitution(f.regex_rewrite.pattern, f.regex_rewrite.substitution, `${path}.forward.regex_rewrite.substitution`, issues)
    if (f.template_rewrite !== undefined) {
      const at = `${path}.forward.template_rewrite`
      if (route.match.template === undefined) issues.push({ path: at, message: 'template_rewrite needs a template match' })
      else {
        const captured = new Set(parseTemplate(route.match.template).names)
        for (const m of f.template_rewrite.matchAll(/\{([^}]*)\}/g))
          if (!captured.has(m[1]!))
            issues.push({ path: at, message: `{${m[1]}} is not captured by the template "${route.match.template}" (captures: ${list(captured)})` })
      }
    }
  }
  if (route.redirect?.regex_rewrite)
    checkSubstitution(route.redirect.regex_rewrite.pattern, route.redirect.regex_rewrite.substitution, `${path}.redirect.regex_rewrite.substitution`, issues)
  if (route.redirect?.prefix_rewrite !== undefined && (route.match.regex !== undefined || route.match.template !== undefined))
    issues.push({ path: `${path}.redirect.prefix_rewrite`, message: 'prefix_rewrite needs an exact, prefix or segment_prefix match' })
  const body = route.direct_response?.body
  if (body !== undefined && new TextEncoder().encode(body).length > config.gateway.max_direct_response_body_bytes)
    issues.push({
      path: `${path}.direct_response.body`,
      message: `body is larger than gateway.max_direct_response_body_bytes (${config.gateway.max_direct_response_body_bytes})`,
    })
  if (route.match.template !== undefined) {
    const t = parseTemplate(route.match.template)
    if (t.error) issues.push({ path: `${path}.match.template`, message: t.error })
  }
  checkOverrides(route.filters, `${path}.filters`, chain, issues)
}

function checkOverrides(overrides: Record<string, unknown> | undefined, path: string, chain: Set<string>, issues: ConfigIssue[]) {
  for (const name of Object.keys(overrides ?? {}))
    if (!chain.has(name))
      issues.push({ path: `${path}.${name}`, message: `filter "${name}" is not in http_filters (chain: ${list(chain)})` })
}

/**
 * Everything the schema alone cannot see: names, references, domains, captures. `loose`: the input failed the
 * schema (see loosen), so a route that cannot be read is skipped; on a parsed config an exception is a bug.
 */
export function crossCheck(config: GatewayConfig, loose = false): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const clusters = new Map(config.clusters.map((c) => [c.name, c]))
  const chain = new Set(config.http_filters.map((f) => f.name))
  duplicates(config.clusters.map((c, i) => ({ name: c.name, path: `clusters[${i}].name` })), 'cluster', issues)
  duplicates(config.http_filters.map((f, i) => ({ name: f.name, path: `http_filters[${i}].name` })), 'filter', issues)
  duplicates(config.virtual_hosts.map((v, i) => ({ name: v.name, path: `virtual_hosts[${i}].name` })), 'virtual host', issues)
  const domains: { name: string; path: string }[] = []
  const routeNames: { name: string; path: string }[] = []
  config.virtual_hosts.forEach((vh, v) => {
    vh.domains.forEach((d, i) => {
      const path = `virtual_hosts[${v}].domains[${i}]`
      checkDomain(d, path, issues)
      domains.push({ name: d.toLowerCase(), path })
    })
    checkOverrides(vh.filters, `virtual_hosts[${v}].filters`, chain, issues)
    vh.routes.forEach((r, i) => {
      const path = `virtual_hosts[${v}].routes[${i}]`
      if (r.name !== undefined) routeNames.push({ name: r.name, path: `${path}.name` })
      try {
        checkRoute(r, path, config, clusters, chain, issues)
      } catch (e) {
        // Schema-invalid input: the schema's issues already describe this route.
        if (!loose) throw e
      }
    })
  })
  duplicates(domains, 'domain', issues)
  duplicates(routeNames, 'route name', issues)
  return issues
}
