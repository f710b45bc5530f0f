/**
 * @module Filter chains at compile time: each route's chain resolved (route override > virtual host override >
 * http_filters entry; override configs arrive already merged, src/config/overrides.ts) and instantiated once per
 * distinct config, with a factory's errors reported at the field that caused them.
 */
import { type FactoryContext, type FilterFactory, type HttpFilter, isFilterConfigError } from '../filters/types.ts'
import type { ClusterHandle } from '../upstream/isolate/cluster.ts'
import { toPath } from '../config/issues.ts'
import { PARSED_ORIGINS } from '../config/overrides.ts'
import type { GatewayConfig, RouteConfig, VirtualHostConfig } from '../config/schema.ts'

/** A config that passed the schema but cannot be built (e.g. a filter's reference to a missing cluster). */
export class CompileError extends Error {
  override readonly name = 'CompileError'
  constructor(
    readonly path: string,
    message: string
  ) {
    super(message)
  }
}

/** Instances by resolved config object (the factory itself for "no config"): routes that inherit one share it. */
export type Instances = Map<unknown, HttpFilter>

/** Where `target` sits inside `root`, by identity; undefined when it is not there (e.g. a built-in default). */
function locate(root: unknown, target: object, seen = new Set<object>()): PropertyKey[] | undefined {
  if (root === target) return []
  if (typeof root !== 'object' || root === null || seen.has(root)) return undefined
  seen.add(root)
  for (const [k, v] of Object.entries(root)) {
    const p = locate(v, target, seen)
    if (p) return [Array.isArray(root) ? Number(k) : k, ...p]
  }
  return undefined
}

const join = (base: string, rest: PropertyKey[]) => {
  const tail = toPath(rest)
  return !tail ? base : tail.startsWith('[') ? base + tail : `${base}.${tail}`
}

/**
 * The CompileError for an error from `create()`. A FilterConfigError is reported at the field it names inside
 * `config`, or, for a field an override inherited, inside the config that sets it. Any other error, at `path`.
 */
function compileError(e: unknown, filter: string, config: unknown, path: string): CompileError {
  const message = `filter "${filter}": ${(e as Error).message}`
  if (isFilterConfigError(e)) {
    const at = locate(config, e.at)
    if (at) {
      const origin = at.length && typeof config === 'object' && config !== null ? PARSED_ORIGINS.get(config)?.[String(at[0])] : undefined
      return new CompileError(join(origin ?? path, e.field === undefined ? at : [...at, e.field]), message)
    }
  }
  return new CompileError(path, message)
}

function instantiate(factory: FilterFactory, cfg: unknown, ctx: FactoryContext, path: string): HttpFilter {
  try {
    return factory.create(cfg, ctx)
  } catch (e) {
    throw compileError(e, factory.name, cfg, path)
  }
}

/**
 * Instantiates every http_filters entry's own config first (disabled ones too, as Envoy checks a config whether
 * or not a route uses it), so a bad reference in it is reported there rather than at the first override that
 * inherits it. Other errors wait for a route that uses the entry as it is: an entry that only serves as the base
 * of overrides may be incomplete on its own (a disabled jwt_authn entry whose overrides bring the providers).
 */
export function instantiateEntries(
  config: GatewayConfig,
  registry: ReadonlyMap<string, FilterFactory>,
  clusters: ReadonlyMap<string, ClusterHandle>,
  instances: Instances
): void {
  config.http_filters.forEach((entry, i) => {
    if (entry.config === undefined || instances.has(entry.config)) return
    const factory = registry.get(entry.name)!
    let instance: HttpFilter
    try {
      instance = factory.create(entry.config, { scope: 'http_filters', clusters })
    } catch (e) {
      if (isFilterConfigError(e)) throw compileError(e, entry.name, entry.config, `http_filters[${i}].config`)
      return
    }
    instances.set(entry.config, instance)
  })
}

type Override = boolean | Record<string, unknown> | undefined

/** Resolves the chain for one route: route override > virtual host override > http_filters entry. */
export function buildChain(
  config: GatewayConfig,
  registry: ReadonlyMap<string, FilterFactory>,
  vh: VirtualHostConfig,
  route: RouteConfig,
  routeName: string,
  instances: Instances,
  clusters: ReadonlyMap<string, ClusterHandle>,
  at: { vhost: string; route: string }
): HttpFilter[] {
  const chain: HttpFilter[] = []
  for (const [index, entry] of config.http_filters.entries()) {
    const factory = registry.get(entry.name)!
    let enabled = !entry.disabled
    let cfg: unknown = entry.config
    let scope = 'http_filters'
    let path = `http_filters[${index}].config`
    const levels: [Override, string, string][] = [
      [vh.filters?.[entry.name], `virtual host ${vh.name}`, `${at.vhost}.filters.${entry.name}`],
      [route.filters?.[entry.name], `route ${routeName}`, `${at.route}.filters.${entry.name}`],
    ]
    for (const [o, where, p] of levels) {
      if (o === undefined) continue
      if (typeof o === 'boolean') enabled = o
      else {
        enabled = true
        cfg = o
        scope = where
        path = p
      }
    }
    if (!enabled) continue
    const key = cfg ?? factory
    let instance = instances.get(key)
    if (!instance) {
      const parsed = cfg === undefined ? factory.configSchema.parse({}) : cfg
      instance = instantiate(factory, parsed, { scope, clusters }, path)
      instances.set(key, instance)
    }
    chain.push(instance)
  }
  return chain
}
