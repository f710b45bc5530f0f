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
import type { IndexableMatch } from '../router/_compile-route.ts'
import { type ClusterRuntime, clusterHandle } from '../upstream/isolate/cluster.ts'
import { type ClusterSet, createClusterSet } from '../upstream/isolate/clusters.ts'
import type { ApplyHeaders, ForwardPlan } from '../upstream/request/plan.ts'
import { compileRetryPolicy, type RetryPlan } from '../upstream/request/retry.ts'
import { buildChain, type Instances, instantiateEntries } from './filter-chain.ts'
import type { DirectResponseAction, GatewayConfig, GatewaySettings, HeaderMutations, RedirectAction, RouteConfig } from '../config/schema.ts'

export { CompileError } from './filter-chain.ts'

export type { ApplyHeaders, ForwardPlan } from '../upstream/request/plan.ts'

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
  /** Number of routes. */
  size: number
  /** Route `index` (a RouteHit's), compiled on first use when the table was sealed (src/snapshot/lazy.ts). */
  route(index: number): CompiledRoute
}

/**
 * A virtual host's routes as compile receives them: parsed (`lazy` false: every route is compiled now, so a
 * CompileError refuses the version) or as stored in a sealed version (`lazy`: each is parsed and compiled the
 * first time a request reaches it; `matches` are only indexed until then).
 */
export interface RouteSource {
  matches: readonly IndexableMatch[]
  route(index: number): RouteConfig
  lazy: boolean
}

export interface Snapshot {
  version: number
  settings: GatewaySettings
  observability: GatewayConfig['observability']
  matchHost: (host: string) => CompiledVirtualHost | undefined
  clusters: ReadonlyMap<string, ClusterRuntime>
  /** What the next version's compile carries over (per-isolate cluster state, clusters awaiting retirement). */
  clusterSet: ClusterSet
  /** The config as validated, for the admin API (of a sealed version: validated on first read, src/snapshot/lazy.ts). */
  readonly config: GatewayConfig
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
  // Validation guarantees each mirror cluster exists.
  const mirrors = f.request_mirror_policies.flatMap((m) => {
    const cluster = clusters.get(m.cluster)
    return cluster ? [{ cluster, fraction: m.runtime_fraction, hostSuffix: !m.disable_shadow_host_suffix_append, bufferLimit: m.per_request_buffer_limit_bytes }] : []
  })
  if (mirrors.length) plan.mirrors = mirrors
  return plan
}

/**
 * Compiles a validated config: a pure function of the table and `previous`, the snapshot it will replace (the
 * config store passes the live one, so cluster state survives the push). A trial compile (validation, CLI, admin)
 * passes none and so shares nothing with the live snapshot. Throws a CompileError for a filter's bad reference.
 */
export function compileConfig(config: GatewayConfig, version: number, filters: readonly FilterFactory[], previous?: Pick<Snapshot, 'clusterSet'>): Snapshot {
  const parsed = (vh: GatewayConfig['virtual_hosts'][number]): RouteSource => ({ matches: vh.routes.map((r) => r.match), route: (i) => vh.routes[i]!, lazy: false })
  return compileRoutes(config, version, filters, previous, parsed)
}

/** compileConfig with each virtual host's routes from `routesOf` (`config.virtual_hosts[v].routes` is not read). */
export function compileRoutes(
  config: GatewayConfig,
  version: number,
  filters: readonly FilterFactory[],
  previous: Pick<Snapshot, 'clusterSet'> | undefined,
  routesOf: (vh: GatewayConfig['virtual_hosts'][number], v: number) => RouteSource
): Snapshot {
  const registry = new Map(filters.map((f) => [f.name, f]))
  const clusterSet = createClusterSet(config.clusters, version, previous?.clusterSet)
  const clusters = clusterSet.runtimes
  const instances: Instances = new Map()
  // Filters get narrow handles (name, endpoints, a counted pick), never the mutable runtimes.
  const handles = new Map([...clusters].map(([name, rt]) => [name, clusterHandle(rt)]))
  instantiateEntries(config, registry, handles, instances)
  const reverse = config.gateway.most_specific_header_mutations_wins
  const hosts = config.virtual_hosts.map((vh, v): CompiledVirtualHost => {
    const vhostRetry = vh.retry_policy ? compileRetryPolicy(vh.retry_policy) : undefined
    const source = routesOf(vh, v)
    const build = (i: number): CompiledRoute => {
      const route = source.route(i)
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
        chain: buildChain(config, registry, vh, route, name, instances, handles, {
          vhost: `virtual_hosts[${v}]`,
          route: `virtual_hosts[${v}].routes[${i}]`,
        }),
        requestHeaders: mutations(m.request, reverse),
        responseHeaders: mutations(m.response, reverse),
      }
    }
    const compiled = new Array<CompiledRoute | undefined>(source.matches.length)
    const route = (i: number) => compiled[i] ?? (compiled[i] = build(i))
    if (!source.lazy) for (let i = 0; i < compiled.length; i++) route(i)
    const table = source.lazy ? createRouteTable(source.matches, (i) => source.route(i).match) : createRouteTable(source.matches as RouteConfig['match'][])
    return { name: vh.name, table, size: compiled.length, route }
  })
  const matchHost = createHostMatcher(
    config.virtual_hosts.map((vh, i) => ({ domains: vh.domains, value: hosts[i]! })),
    { ignorePort: config.gateway.ignore_port_in_host_matching }
  )
  return { version, settings: config.gateway, observability: config.observability, matchHost, clusters, clusterSet, config }
}
