/**
 * @module compileConfig: turns a validated config into an immutable snapshot. Everything that can be decided
 * once per version is decided here: routers built, regexes compiled, filter chains resolved (most specific
 * wins) and instantiated, header mutations parsed, load-balancing state created.
 */
import type { FilterFactory, HttpFilter } from '../filters/types.ts'
import { compileHeaderMutations, type MutationVars } from '../lib/header-mutation.ts'
import { createHostMatcher } from '../router/host.ts'
import { createPathRewrite } from '../router/rewrite.ts'
import { createRouteTable, type RouteHit, type RouteTable } from '../router/routes.ts'
import type { ClusterRuntime } from '../upstream/cluster.ts'
import { type ClusterSet, createClusterSet } from '../upstream/clusters.ts'
import { compileRetryPolicy, type RetryPlan } from '../upstream/retry.ts'
import type { DirectResponseAction, GatewayConfig, GatewaySettings, HeaderMutations, RedirectAction, RouteConfig, VirtualHostConfig } from './schema.ts'

export type ApplyHeaders = (headers: Headers, vars: MutationVars) => void

export interface ForwardPlan {
  kind: 'forward'
  /** Fixed cluster, or undefined when chosen per request (weighted or from a header). */
  cluster?: ClusterRuntime
  clusterHeader?: string
  weighted?: { clusters: (ClusterRuntime | undefined)[]; names: string[]; cumulative: number[]; total: number; headers: ApplyHeaders[] }
  rewrite?: (path: string, hit: RouteHit) => string
  hostRewrite?: string
  /** 0 disables. */
  timeoutMs: number
  clusterNotFoundStatus: number
  /** The route's retry policy, else the virtual host's; none means no retries. */
  retry?: RetryPlan
}
export interface RedirectPlan extends RedirectAction {
  kind: 'redirect'
  rewrite?: (path: string, hit: RouteHit) => string
}
export interface DirectPlan extends DirectResponseAction {
  kind: 'direct'
}

export interface CompiledRoute {
  name: string
  vhostName: string
  action: ForwardPlan | RedirectPlan | DirectPlan
  chain: readonly HttpFilter[]
  /** Route + virtual host request header mutations, in Envoy order. */
  requestHeaders: ApplyHeaders
  responseHeaders: ApplyHeaders
}

export interface CompiledVirtualHost {
  name: string
  table: RouteTable
  routes: CompiledRoute[]
}

export interface Snapshot {
  version: number
  settings: GatewaySettings
  matchHost: (host: string) => CompiledVirtualHost | undefined
  clusters: ReadonlyMap<string, ClusterRuntime>
  /** The config as validated, for the admin config dump. */
  config: GatewayConfig
}

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

type Override = boolean | Record<string, unknown> | undefined

/** Resolves the chain for one route: route override > virtual host override > http_filters entry. */
function buildChain(
  config: GatewayConfig,
  registry: ReadonlyMap<string, FilterFactory>,
  vh: VirtualHostConfig,
  route: RouteConfig,
  routeName: string,
  instances: Map<unknown, HttpFilter>,
  clusters: ReadonlyMap<string, ClusterRuntime>,
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
      const base = scope === 'http_filters' ? undefined : entry.config
      try {
        instance = factory.create(parsed, { scope, clusters, ...(base === undefined ? {} : { base }) })
      } catch (e) {
        throw new CompileError(path, `filter "${entry.name}": ${(e as Error).message}`)
      }
      instances.set(key, instance)
    }
    chain.push(instance)
  }
  return chain
}

function levelsOf(...ms: HeaderMutations[]) {
  return {
    request: ms.map((m) => ({ add: m.request_headers_to_add, remove: m.request_headers_to_remove })),
    response: ms.map((m) => ({ add: m.response_headers_to_add, remove: m.response_headers_to_remove })),
  }
}

const NOOP: ApplyHeaders = () => {}
function mutations(levels: { add: unknown[]; remove: string[] }[], reverse: boolean): ApplyHeaders {
  const used = levels.filter((l) => l.add.length || l.remove.length)
  if (!used.length) return NOOP
  return compileHeaderMutations((reverse ? used.reverse() : used) as Parameters<typeof compileHeaderMutations>[0])
}

function compileForward(route: RouteConfig, clusters: ReadonlyMap<string, ClusterRuntime>, reverse: boolean, vhostRetry?: RetryPlan): ForwardPlan {
  const f = route.forward!
  const plan: ForwardPlan = {
    kind: 'forward',
    timeoutMs: f.timeout,
    clusterNotFoundStatus: f.cluster_not_found_response_code,
  }
  if (f.cluster !== undefined) plan.cluster = clusters.get(f.cluster)
  if (f.cluster_header !== undefined) plan.clusterHeader = f.cluster_header.toLowerCase()
  if (f.weighted_clusters) {
    let total = 0
    const cumulative = f.weighted_clusters.map((w) => (total += w.weight))
    plan.weighted = {
      clusters: f.weighted_clusters.map((w) => clusters.get(w.name)),
      names: f.weighted_clusters.map((w) => w.name),
      cumulative,
      total,
      headers: f.weighted_clusters.map((w) => mutations(levelsOf(w).request, reverse)),
    }
  }
  const rewrite = createPathRewrite(route.match, f)
  if (rewrite) plan.rewrite = rewrite
  if (f.host_rewrite !== undefined) plan.hostRewrite = f.host_rewrite
  // A route policy replaces the virtual host's entirely (Envoy: no merge).
  const retry = f.retry_policy ? compileRetryPolicy(f.retry_policy) : vhostRetry
  if (retry) plan.retry = retry
  return plan
}

/** Per gateway (its filter registry): the last cluster set, so cluster state survives config pushes. */
const clusterSets = new WeakMap<readonly FilterFactory[], ClusterSet>()

/** Compiles a validated config. Throws only on a programming error: validation has already run. */
export function compileConfig(config: GatewayConfig, version: number, filters: readonly FilterFactory[]): Snapshot {
  const registry = new Map(filters.map((f) => [f.name, f]))
  const clusterSet = createClusterSet(config.clusters, version, clusterSets.get(filters))
  const clusters = clusterSet.runtimes
  const instances = new Map<unknown, HttpFilter>()
  const reverse = config.gateway.most_specific_header_mutations_wins
  const hosts = config.virtual_hosts.map((vh, v): CompiledVirtualHost => {
    const vhostRetry = vh.retry_policy ? compileRetryPolicy(vh.retry_policy) : undefined
    const routes = vh.routes.map((route, i): CompiledRoute => {
      const name = route.name ?? `${vh.name}/${i}`
      // Envoy default order: most specific level first (route, then virtual host); later levels may override.
      const m = levelsOf(route, vh)
      let action: CompiledRoute['action']
      if (route.forward) action = compileForward(route, clusters, reverse, vhostRetry)
      else if (route.redirect) {
        const rewrite = createPathRewrite(route.match, route.redirect)
        action = { kind: 'redirect', ...route.redirect, ...(rewrite ? { rewrite } : {}) }
      } else action = { kind: 'direct', ...route.direct_response! }
      return {
        name,
        vhostName: vh.name,
        action,
        chain: buildChain(config, registry, vh, route, name, instances, clusters, {
          vhost: `virtual_hosts[${v}]`,
          route: `virtual_hosts[${v}].routes[${i}]`,
        }),
        requestHeaders: mutations(m.request, reverse),
        responseHeaders: mutations(m.response, reverse),
      }
    })
    return { name: vh.name, table: createRouteTable(vh.routes.map((r) => r.match)), routes }
  })
  const matchHost = createHostMatcher(
    config.virtual_hosts.map((vh, i) => ({ domains: vh.domains, value: hosts[i]! })),
    { ignorePort: config.gateway.ignore_port_in_host_matching }
  )
  clusterSets.set(filters, clusterSet)
  return { version, settings: config.gateway, matchHost, clusters, config }
}
