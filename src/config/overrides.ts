/**
 * @module The one override rule, for every filter: a virtual-host or route override config is merged over the
 * config it overrides, one level deep, as a JSON Merge Patch (RFC 7386) of depth one: fields it sets replace,
 * `null` removes an inherited field, fields it omits are inherited (route from virtual host, virtual host from
 * the http_filters entry). Merged on the raw table before the schema parses it, so each
 * filter's schema sees one complete config; the origin of every inherited field is kept, so an error in it is
 * reported where it is written.
 */
import { toPath } from './issues.ts'
import { isObject } from '../lib/is-object.ts'

type Obj = Record<string, unknown>
/** Field → path of the config it comes from (`http_filters[0].config`, `virtual_hosts[1].filters.cors`…). */
export type Origins = Record<string, string>


/** Origins of each parsed override config object, for errors found when the filter is built (compile). */
export const PARSED_ORIGINS = new WeakMap<object, Origins>()

/** Origins by override path, for the issues of a parse. */
export interface MergedOverrides {
  input: unknown
  /** Override path (`virtual_hosts[0].routes[1].filters.cors`) → where each of its fields comes from. */
  byPath: Map<string, Origins>
}

/** The raw table with every object override merged over what it overrides. Never throws; odd shapes pass through. */
export function mergeOverrides(input: unknown): MergedOverrides {
  const byPath = new Map<string, Origins>()
  if (!isObject(input) || !Array.isArray(input.virtual_hosts)) return { input, byPath }
  const entries = new Map<string, { config: Obj; path: string }>()
  if (Array.isArray(input.http_filters))
    input.http_filters.forEach((e, i) => {
      if (isObject(e) && typeof e.name === 'string' && !entries.has(e.name) && isObject(e.config)) entries.set(e.name, { config: e.config, path: `http_filters[${i}].config` })
    })

  const merge = (own: Obj, ownPath: string, base: { config: Obj; origins: Origins } | undefined) => {
    const origins: Origins = { ...base?.origins }
    const config: Obj = { ...base?.config }
    for (const [k, v] of Object.entries(own)) {
      if (v === null) {
        delete config[k]
        delete origins[k]
      } else {
        config[k] = v
        origins[k] = ownPath
      }
    }
    byPath.set(ownPath, origins)
    return { config, origins }
  }
  const fromEntry = (name: string) => {
    const e = entries.get(name)
    return e && { config: e.config, origins: Object.fromEntries(Object.keys(e.config).map((k) => [k, e.path])) }
  }

  const virtual_hosts = input.virtual_hosts.map((vh, v) => {
    if (!isObject(vh)) return vh
    const vhMerged = new Map<string, { config: Obj; origins: Origins }>()
    let filters = vh.filters
    if (isObject(vh.filters)) {
      filters = { ...vh.filters }
      for (const [name, o] of Object.entries(vh.filters))
        if (isObject(o)) {
          const m = merge(o, toPath(['virtual_hosts', v, 'filters', name]), fromEntry(name))
          vhMerged.set(name, m)
          ;(filters as Obj)[name] = m.config
        }
    }
    const routes = !Array.isArray(vh.routes)
      ? vh.routes
      : vh.routes.map((r, i) => {
          if (!isObject(r) || !isObject(r.filters)) return r
          const own = { ...r.filters }
          for (const [name, o] of Object.entries(r.filters))
            if (isObject(o)) own[name] = merge(o, toPath(['virtual_hosts', v, 'routes', i, 'filters', name]), vhMerged.get(name) ?? fromEntry(name)).config
          return { ...r, filters: own }
        })
    return { ...vh, filters, routes }
  })
  return { input: { ...input, virtual_hosts }, byPath }
}

type ParsedTable = { http_filters: { config?: unknown }[]; virtual_hosts: { filters?: Obj; routes: { filters?: Obj }[] }[] }

/**
 * After the parse: each override's inherited fields become the very values of the config they come from (equal,
 * parsed from the same input), so what filters cache per config object (jwt_authn's JWKS per provider) is
 * shared by every override that inherits it; and each override's origins are registered for compile errors.
 */
export function linkInherited(config: ParsedTable, byPath: ReadonlyMap<string, Origins>): void {
  const linkRoute = routeLinker(config, byPath)
  config.virtual_hosts.forEach((vh, v) => vh.routes.forEach((r, i) => linkRoute(r, v, i)))
}

/**
 * `linkInherited` for the http_filters entries and virtual hosts now, and for one route at a time after: what a
 * table whose routes are parsed on first use needs (src/snapshot/lazy.ts).
 */
export function routeLinker(config: ParsedTable, byPath: ReadonlyMap<string, Origins>): (route: { filters?: Obj }, v: number, i: number) => void {
  const parsedAt = new Map<string, unknown>()
  config.http_filters.forEach((e, i) => parsedAt.set(`http_filters[${i}].config`, e.config))
  const link = (o: unknown, path: string) => {
    parsedAt.set(path, o)
    const origins = byPath.get(path)
    if (!isObject(o) || !origins) return
    PARSED_ORIGINS.set(o, origins)
    for (const [key, from] of Object.entries(origins)) {
      const source = parsedAt.get(from)
      if (from !== path && isObject(source) && key in source && key in o && source[key] !== o[key] && JSON.stringify(source[key]) === JSON.stringify(o[key])) o[key] = source[key]
    }
  }
  config.virtual_hosts.forEach((vh, v) => {
    for (const [name, o] of Object.entries(vh.filters ?? {})) link(o, toPath(['virtual_hosts', v, 'filters', name]))
  })
  return (r, v, i) => {
    for (const [name, o] of Object.entries(r.filters ?? {})) link(o, toPath(['virtual_hosts', v, 'routes', i, 'filters', name]))
  }
}

/**
 * Rewrites an issue path inside an override to where the offending field is written: an error in a field the
 * override inherited belongs to the config that set it.
 */
export function originOf(path: string, byPath: ReadonlyMap<string, Origins>): string {
  for (const [at, origins] of byPath) {
    if (!path.startsWith(`${at}.`)) continue
    const rest = path.slice(at.length + 1)
    const key = /^[^.[]+/.exec(rest)?.[0]
    const from = key === undefined ? undefined : origins[key]
    if (from && from !== at) return originOf(`${from}.${rest}`, byPath)
  }
  return path
}
