/**
 * @module An OpenAPI 3.0/3.1 document (bundled: local `$ref`s only) → a Legate route table: one route per
 * operation, ordered so the first match is the most specific, with the openapi_validation filter wired per route
 * and the referenced schemas kept once, on the virtual host. Pure and deterministic: the same spec, the same table.
 */
import { operationParts } from './operations.ts'
import { getAt, parsePointer, pointer, setAt } from './pointer.ts'
import { normalizeSchema, type ImportIssue, type SchemaContext } from './schema.ts'
import { isObject } from '../../../lib/is-object.ts'

type Obj = Record<string, unknown>

export const FILTER = 'openapi_validation'
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const
const ROUTE_NAME_BAD = /[^A-Za-z0-9_.\-/]+/g
const TEMPLATE_NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/
/** KV's largest value: a stored config version must fit. */
export const KV_VALUE_LIMIT = 25 * 1024 * 1024

export interface ImportOptions {
  /** `NAME=URL`; default: a cluster named after the API at the first server's origin. */
  cluster?: { name: string; url: string }
  /** Virtual host domain. @default "*" */
  host?: string
  /** Replaces the servers' base path (`""` or `/` for none). */
  basePath?: string
  /** Also write the http_filters entry (a table has one http_filters list across its files). @default true */
  filterEntry?: boolean
  /** Also write each operation's responses and turn response validation on (report mode). @default false */
  responses?: boolean
}

export interface ImportResult {
  table: Obj
  issues: ImportIssue[]
  operations: number
}

/** A server URL with its variables' defaults filled in. */
const serverUrl = (server: Obj) =>
  String(server.url ?? '/').replace(/\{([^}]+)\}/g, (m, name: string) => {
    const v = isObject(server.variables) ? server.variables[name] : undefined
    return isObject(v) && typeof v.default === 'string' ? v.default : m
  })

/** `url` (against `base`), or undefined when it is not a URL (`https://`). */
function parseUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base)
  } catch {
    return undefined
  }
}

/** The URL's path without trailing slashes; undefined when it is not a URL. */
const basePathOf = (url: string) => {
  const path = parseUrl(url, 'http://relative.invalid')?.pathname.replace(/\/+$/, '')
  if (path === undefined) return undefined
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'api'

/** `{param}` → a Legate template variable (its name made a valid one); the filter reads parameters by position. */
function toTemplate(path: string): string {
  const used = new Set<string>()
  return path.replace(/\{([^}]*)\}/g, (_, raw: string) => {
    let name = TEMPLATE_NAME_RE.test(raw) ? raw : `p_${raw.replace(/[^A-Za-z0-9_]/g, '_')}`
    while (used.has(name)) name += '_'
    used.add(name)
    return `{${name}}`
  })
}

/** Route order: per segment, literal before templated, then by text; then by method. First match = most specific. */
function compareRoutes(a: { path: string; method: number }, b: { path: string; method: number }): number {
  const sa = a.path.split('/')
  const sb = b.path.split('/')
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const ta = sa[i]!.includes('{')
    const tb = sb[i]!.includes('{')
    if (ta !== tb) return ta ? 1 : -1
    if (sa[i] !== sb[i]) return sa[i]! < sb[i]! ? -1 : 1
  }
  return sa.length - sb.length || a.method - b.method
}

interface Found {
  path: string
  specPath: string
  method: number
  route: Obj
  id?: string
  at: string
}

export function convert(doc: unknown, options: ImportOptions): ImportResult {
  const issues: ImportIssue[] = []
  if (!isObject(doc) || typeof doc.openapi !== 'string' || !/^3\.[01]\.\d+/.test(doc.openapi)) {
    const swagger = isObject(doc) && doc.swagger !== undefined
    issues.push({ pointer: swagger ? '/swagger' : '/openapi', message: swagger ? 'Swagger 2.0 is not supported: convert it to OpenAPI 3 first' : 'not an OpenAPI 3.0 or 3.1 document' })
    return { table: {}, issues, operations: 0 }
  }
  const ctx: SchemaContext = { openapi30: doc.openapi.startsWith('3.0'), refs: new Set(), issues }
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObject) : []
  const basePath = options.basePath !== undefined ? options.basePath.replace(/\/+$/, '') : (basePathOf(servers[0] ? serverUrl(servers[0]) : '/') ?? '')
  const checkServers = (list: unknown, at: string) => {
    if (!Array.isArray(list)) return
    list.forEach((s, i) => {
      if (!isObject(s)) return
      const path = basePathOf(serverUrl(s))
      if (path === undefined) issues.push({ pointer: `${at}/${i}/url`, message: `${JSON.stringify(serverUrl(s))} is not a URL` })
      else if (options.basePath === undefined && path !== basePath)
        issues.push({ pointer: `${at}/${i}/url`, message: `base path "${path}" differs from "${basePath || '/'}": one table serves one base path (choose with --base-path)` })
    })
  }
  checkServers(doc.servers, '/servers')
  const title = isObject(doc.info) && typeof doc.info.title === 'string' ? doc.info.title : 'api'
  const name = slug(title)
  let cluster = options.cluster
  if (!cluster) {
    const url = servers[0] ? serverUrl(servers[0]) : ''
    const parsed = /^https?:\/\//i.test(url) ? parseUrl(url) : undefined
    if (!parsed) issues.push({ pointer: '/servers', message: 'no absolute server URL to forward to: pass --cluster NAME=URL' })
    else cluster = { name, url: parsed.origin }
  }
  const globalSecurity = Array.isArray(doc.security) && doc.security.some((r) => isObject(r) && Object.keys(r).length > 0)
  if (globalSecurity) issues.push({ pointer: '/security', message: 'security requirements are not enforced by the imported table: add jwt_authn or api_key to it' })

  const found: Found[] = []
  const paths = isObject(doc.paths) ? doc.paths : {}
  for (const [path, rawItem] of Object.entries(paths)) {
    const pathAt = pointer('paths', path)
    let item = rawItem
    if (isObject(item) && typeof item.$ref === 'string') item = getAt(doc, parsePointer(item.$ref) ?? ['\0'])
    if (!isObject(item)) continue
    if (!path.startsWith('/')) issues.push({ pointer: pathAt, message: 'a path must start with "/"' })
    if (/[*]/.test(path)) issues.push({ pointer: pathAt, message: '"*" in a path is a wildcard in Legate templates' })
    checkServers(item.servers, `${pathAt}/servers`)
    METHODS.forEach((method, m) => {
      const op = item[method]
      if (!isObject(op)) return
      const opAt = `${pathAt}/${method}`
      checkServers(op.servers, `${opAt}/servers`)
      if (Array.isArray(op.security) && op.security.some((r) => isObject(r) && Object.keys(r).length > 0) && !globalSecurity)
        issues.push({ pointer: `${opAt}/security`, message: 'security requirements are not enforced by the imported table: add jwt_authn or api_key to this route' })
      const full = `${basePath}${path}`
      const template = toTemplate(full)
      if (template.length > 256) issues.push({ pointer: pathAt, message: `the path template is ${template.length} characters; a Legate template holds 256` })
      const parts = operationParts(doc, item, pathAt, op, opAt, ctx, options.responses === true)
      const route: Obj = { name: '', match: { template, methods: [method.toUpperCase()] } }
      if (parts.parameters.length > 0 || parts.request_body || parts.responses) {
        const { parameters, request_body, responses } = parts
        route.filters = { [FILTER]: { operation: { path: full, ...(parameters.length ? { parameters } : {}), ...(request_body ? { request_body } : {}), ...(responses ? { responses } : {}) } } }
      }
      if (cluster) route.forward = { cluster: cluster.name }
      found.push({ path: full, specPath: path, method: m, route, at: opAt, ...(typeof op.operationId === 'string' ? { id: op.operationId } : {}) })
    })
  }
  found.sort(compareRoutes)
  nameRoutes(found, issues)

  const definitions = collectDefinitions(doc, ctx)
  const vhost: Obj = { name, domains: [options.host ?? '*'] }
  if (Object.keys(definitions).length > 0) vhost.filters = { [FILTER]: { definitions } }
  vhost.routes = found.map((f) => f.route)
  const table: Obj = {}
  if (options.filterEntry !== false) table.http_filters = [{ name: FILTER, config: { mode: 'enforce', ...(options.responses ? { response_validation: 'report' } : {}) } }]
  if (cluster) table.clusters = [{ name: cluster.name, endpoints: [{ url: cluster.url }] }]
  table.virtual_hosts = [vhost]
  const size = JSON.stringify(table).length
  if (size > KV_VALUE_LIMIT) issues.push({ pointer: '', message: `the table is ${(size / 1048576).toFixed(1)} MiB; a KV value holds 25 MiB` })
  // A schema reached twice (from an operation and as a definition) reports its issues once.
  const seen = new Set<string>()
  const unique = issues.filter((i) => !seen.has(`${i.pointer}\0${i.message}`) && seen.add(`${i.pointer}\0${i.message}`))
  return { table, issues: unique, operations: found.length }
}

/** Route names: operationId (made a valid name), else `<method>_<path>`; duplicates get `_2`, `_3`… in route order. */
function nameRoutes(found: Found[], issues: ImportIssue[]) {
  const taken = new Set<string>()
  const ids = new Map<string, string>()
  for (const f of found) {
    if (f.id !== undefined) {
      const first = ids.get(f.id)
      if (first) issues.push({ pointer: `${f.at}/operationId`, message: `operationId "${f.id}" is also used at ${first}` })
      else ids.set(f.id, f.at)
    }
    const base = (f.id ?? `${METHODS[f.method]}${f.specPath.replace(/[{}]/g, '').replace(/\//g, '_')}`).replace(ROUTE_NAME_BAD, '_').replace(/^[_/]+|[_/]+$/g, '') || METHODS[f.method]!
    let name = base
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`
    taken.add(name)
    f.route.name = name
  }
}

/** A sparse copy of the document with every schema `$ref`ed from the operations (transitively), normalized. */
function collectDefinitions(doc: Obj, ctx: SchemaContext): Obj {
  const done = new Set<string>()
  const placed: [string, unknown][] = []
  for (let pending = [...ctx.refs]; pending.length > 0; pending = [...ctx.refs].filter((r) => !done.has(r))) {
    for (const ref of pending) {
      done.add(ref)
      const segments = parsePointer(ref)!
      const target = getAt(doc, segments)
      if (target === undefined) ctx.issues.push({ pointer: ref, message: 'a $ref points here, but nothing is here' })
      else placed.push([ref, normalizeSchema(target, ref, ctx)])
    }
  }
  const definitions: Obj = {}
  for (const [ref, schema] of placed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) setAt(definitions, parsePointer(ref)!, schema)
  return definitions
}
