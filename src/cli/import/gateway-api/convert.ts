/**
 * @module HTTPRoutes to one Legate route table. Legate matches the first route that fits, so the importer orders
 * them as the Gateway API specification ranks matches: per hostname (one virtual host each, the routes naming
 * that host exactly first, then those whose wildcard covers it, longest first, then those without hostnames),
 * then by match (Exact path, then RegularExpression, then the longest PathPrefix; a method; more headers; more
 * query parameters), then the oldest route (creationTimestamp), then `namespace/name`, then rule and match order.
 */
import { readManifests, type HttpRoute, type ManifestFile } from './manifests.ts'
import { convertRule, type ImportProblem, type RouteDraft } from './rule.ts'

export type { ImportProblem } from './rule.ts'

export interface ImportOptions {
  /** Backend (Service) name → origin URL. */
  backends: ReadonlyMap<string, string>
  /** Leave out the rules that cannot be expressed (reported as warnings) instead of failing. */
  allowPartial?: boolean
}

export interface ImportResult {
  /** The route table; undefined when the import failed. */
  table?: Record<string, unknown>
  /** Problems that fail the import (or, with allowPartial, warnings for the rules left out). */
  problems: ImportProblem[]
  /** Fatal errors that are not about one rule: unreadable YAML, backends without a URL, nothing to import. */
  errors: string[]
  /** Informational: skipped documents, unused --backend mappings, fields ignored. */
  notes: string[]
}

interface Entry extends RouteDraft {
  hostnames: string[]
  created: string
  key: string
  ruleIndex: number
  baseName: string
}

const covers = (wildcard: string, host: string) => wildcard.startsWith('*.') && host.endsWith(wildcard.slice(1)) && host !== wildcard
const vhostName = (h: string) => (h === '*' ? 'any' : h.replace(/^\*\./, 'wildcard.').replace(/[^A-Za-z0-9_.-]/g, '_'))

/** Gateway API match precedence: higher rank first, then age, then namespace/name, rule, match. */
function compareEntries(a: Entry, b: Entry): number {
  for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return b.rank[i]! - a.rank[i]!
  if (a.created !== b.created) return a.created < b.created ? -1 : 1
  if (a.key !== b.key) return a.key < b.key ? -1 : 1
  return a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex
}

/** How specific a route's hostnames are for `host`: 0 names it, 1 + n a wildcard (shorter later), null none. */
function hostGroup(e: Entry, host: string): number | null {
  if (e.hostnames.length === 0) return Number.MAX_SAFE_INTEGER
  if (e.hostnames.includes(host)) return 0
  const w = e.hostnames.filter((h) => covers(h, host)).map((h) => h.length)
  return w.length ? 1_000 - Math.max(...w) : null
}

export function convertGatewayApi(files: readonly ManifestFile[], options: ImportOptions): ImportResult {
  const { routes, notes, errors } = readManifests(files)
  const problems: ImportProblem[] = []
  const backends = new Set<string>()
  const entries: Entry[] = []
  routes.forEach((route) => entries.push(...convertRoute(route, problems, backends, notes)))
  if (!routes.length && !errors.length) errors.push('no HTTPRoute (gateway.networking.k8s.io/v1) found in the input')

  const missing = [...backends].filter((b) => !options.backends.has(b)).sort()
  if (missing.length) errors.push(`no --backend NAME=URL for: ${missing.join(', ')} (add one --backend per backendRef name)`)
  for (const name of options.backends.keys()) if (!backends.has(name)) notes.push(`--backend ${name} is not referenced by any imported rule`)
  if (errors.length || (problems.length && !options.allowPartial)) return { problems, errors, notes }

  const hosts = [...new Set(entries.flatMap((e) => e.hostnames))].sort()
  const virtualHosts: Record<string, unknown>[] = []
  const used = new Set<string>()
  const build = (host: string, name: string) => {
    const chosen = entries
      .map((e) => ({ e, g: host === '*' ? (e.hostnames.length ? null : 0) : hostGroup(e, host) }))
      .filter((x): x is { e: Entry; g: number } => x.g !== null)
      .sort((x, y) => x.g - y.g || compareEntries(x.e, y.e))
    const list = chosen.map(({ e }) => {
      const routeName = used.has(e.baseName) ? `${name}/${e.baseName}` : e.baseName
      used.add(routeName)
      return { name: routeName, ...e.route }
    })
    if (list.length) virtualHosts.push({ name, domains: [host], routes: list })
  }
  for (const h of hosts) build(h, vhostName(h))
  if (entries.some((e) => e.hostnames.length === 0)) build('*', 'any')

  const clusters = [...backends].sort().map((name) => ({ name, endpoints: [{ url: options.backends.get(name)! }] }))
  return { table: { clusters, virtual_hosts: virtualHosts }, problems, errors, notes }
}

function convertRoute(route: HttpRoute, problems: ImportProblem[], backends: Set<string>, notes: string[]): Entry[] {
  const ns = route.metadata.namespace ?? 'default'
  const key = `${ns}/${route.metadata.name}`
  const resource = `HTTPRoute ${key}`
  const hostnames = (route.spec.hostnames ?? []).map((h) => h.toLowerCase())
  const out: Entry[] = []
  for (const [field, value] of Object.entries(route.spec))
    if (!['parentRefs', 'hostnames', 'rules'].includes(field)) problems.push({ resource, field: `spec.${field}`, message: `${field} is not supported` })
  if (route.spec.parentRefs !== undefined) notes.push(`${resource}: parentRefs ignored (the edge serves every imported route)`)
  ;(route.spec.rules ?? []).forEach((rule, index) => {
    const ruleBackends = new Set<string>()
    const drafts = convertRule(rule, { route, resource, index, problems, backends: ruleBackends })
    if (!drafts) return // reported; left out with --allow-partial
    for (const b of ruleBackends) backends.add(b)
    const ruleName = rule.name ?? `rule-${index}`
    for (const d of drafts)
      out.push({
        ...d,
        hostnames,
        created: route.metadata.creationTimestamp ?? '',
        key,
        ruleIndex: index,
        baseName: `${key}/${ruleName}${drafts.length > 1 ? `/match-${d.matchIndex}` : ''}`,
      })
  })
  return out
}

/** One problem as a line: `HTTPRoute ns/name rules[2] spec.rules[2].filters[0].type: message`. */
export function formatProblem(p: ImportProblem): string {
  return `${p.resource}${p.rule ? ` ${p.rule}` : ''} ${p.field}: ${p.message}`
}
