/**
 * @module Loading a sealed version (src/snapshot/seal.ts) without validating or compiling all of it: the table
 * around the routes (gateway, observability, http_filters, clusters, virtual hosts) is parsed and compiled now; each
 * route is only indexed by its path strings (src/router/_compile-route.ts `indexRoute`), and parsed (its schema,
 * with defaults) and compiled (match, action, filter chain, header mutations) the first time a lookup reaches it.
 * A new isolate's first request so waits for what it uses, not for every route of the table (issue 18).
 *
 * A sealed table passed validation and a trial compile when it was pushed, so a route cannot fail here unless the
 * seal was forged or legate has a bug; such a route throws from the request that reaches it (ERR_INTERNAL).
 */
import * as z from 'zod'
import type { FilterFactory } from '../filters/types.ts'
import { mergeOverrides, routeLinker } from '../config/overrides.ts'
import type { GatewayConfig, RouteConfig } from '../config/schema.ts'
import type { IndexableMatch } from '../router/_compile-route.ts'
import { compileRoutes, type RouteSource, type Snapshot } from './compile.ts'
import { schemaFor, validateConfig } from './validate.ts'
import { isObject } from '../lib/is-object.ts'

type Obj = Record<string, unknown>

/** The schema of one route inside a registry's table schema. */
function routeSchemaOf(filters: readonly FilterFactory[]): z.ZodType<RouteConfig> {
  const table = schemaFor(filters)
  return table.shape.virtual_hosts.element.shape.routes.unwrap().element as unknown as z.ZodType<RouteConfig>
}

/** A sealed table parsed around its routes; each route parsed on first use (what compile receives). */
export interface SealedTable {
  /** The table with every virtual host's `routes` empty. */
  config: GatewayConfig
  routesOf(v: number): RouteSource
}

/**
 * Parses a sealed table around its routes. Throws (a ZodError or any other) when that part does not parse,
 * which a sealed table always does: the caller then validates the table in full instead.
 */
export function parseSealed(raw: unknown, filters: readonly FilterFactory[]): SealedTable {
  const merged = mergeOverrides(raw)
  const input = merged.input as Obj & { virtual_hosts: unknown[] }
  const routesAt = input.virtual_hosts.map((vh) => (isObject(vh) && Array.isArray(vh.routes) ? vh.routes : []))
  const skeleton = { ...input, virtual_hosts: input.virtual_hosts.map((vh) => (isObject(vh) ? { ...vh, routes: [] } : vh)) }
  const config = schemaFor(filters).parse(skeleton) as unknown as GatewayConfig
  const link = routeLinker(config, merged.byPath)
  const routeSchema = routeSchemaOf(filters)
  const routesOf = (v: number): RouteSource => {
    const rawRoutes = routesAt[v]!
    const parsed = new Array<RouteConfig | undefined>(rawRoutes.length)
    return {
      matches: rawRoutes.map((r) => (r as { match: IndexableMatch }).match),
      route(i) {
        let r = parsed[i]
        if (!r) {
          r = parsed[i] = routeSchema.parse(rawRoutes[i])
          link(r, v, i)
        }
        return r
      },
      lazy: true,
    }
  }
  return { config, routesOf }
}

/** Compiles a sealed table lazily; throws as `parseSealed` does. */
export function compileSealed(raw: unknown, version: number, filters: readonly FilterFactory[], previous?: Pick<Snapshot, 'clusterSet'>): Snapshot {
  const { config, routesOf } = parseSealed(raw, filters)
  const snapshot = compileRoutes(config, version, filters, previous, (_vh, v) => routesOf(v))
  // The admin API reads the whole validated table: validated then, once (cheap next to the request it serves).
  let full: GatewayConfig | undefined
  Object.defineProperty(snapshot, 'config', {
    get() {
      if (!full) {
        const result = validateConfig(raw, filters, { trialCompile: false })
        full = result.ok ? result.config : config
      }
      return full
    },
  })
  return snapshot
}
