/**
 * @module Clusters at run time, per isolate: endpoints, load balancing, and which endpoints are available (what
 * the cluster features take out, with Envoy's panic threshold), with the hooks of the features a cluster turns
 * on. A runtime is built per config version; its mutable ClusterState carries over versions that keep the same
 * endpoints.
 */
import type { Cluster } from '../../config/schema.ts'
import type { RequestContext } from '../../context.ts'
import type { Stats } from '../../observability/stats.ts'
import type { AnyFeature, SnapshotEndpointOf } from '../feature.ts'
import { CLUSTER_FEATURES } from '../features/index.ts'
import type { Random } from '../request/backoff.ts'
import type { CircuitBreakersConfig } from '../schema.ts'
import { ClusterState } from './cluster-state.ts'
import { createPicker, type LbPolicy } from './lb.ts'
import { composeHooks, sharedPlan } from './feature-hooks.ts'
import { createStatNames, type StatNames } from './stat-names.ts'

export type { Random } from '../request/backoff.ts'

export type Endpoint =
  | { kind: 'url'; origin: string; host: string; weight: number; index: number; key: string }
  | { kind: 'service'; binding: string; weight: number; index: number; key: string }

/** Compiled config of the shared (Durable Object) part; undefined when no feature needs it. */
export interface SharedPlan {
  specJson: string
  ttl: number
  interval: number
  indexByKey: ReadonlyMap<string, number>
  /** A feature that folds attempt outcomes is on: they are queued for the object. */
  reports: boolean
}

/**
 * What a filter sees of a cluster (FactoryContext.clusters): its name and endpoints, and a pick that counts
 * the call in flight until `done()` (least_request sees it). Never the mutable runtime.
 */
export interface ClusterHandle {
  readonly name: string
  readonly endpoints: readonly Endpoint[]
  acquire(): { endpoint: Endpoint; done(): void }
}

/** The handle of one runtime, for the filters of its config version. */
export function clusterHandle(rt: ClusterRuntime): ClusterHandle {
  return {
    name: rt.name,
    endpoints: rt.endpoints,
    acquire() {
      const endpoint = rt.pick()
      rt.active[endpoint.index]!++
      let released = false
      return {
        endpoint,
        done: () => {
          if (!released) rt.active[endpoint.index]!--
          released = true
        },
      }
    },
  }
}

export interface ClusterRuntime {
  readonly name: string
  /** Config version this runtime was compiled for. */
  readonly version: number
  readonly endpoints: readonly Endpoint[]
  /** Picks among all endpoints (no health filtering). */
  pick(): Endpoint
  /** Active requests per endpoint in this isolate (least_request uses it). */
  readonly active: Int32Array
  readonly state: ClusterState
  readonly limits: CircuitBreakersConfig
  /** The cluster features, and each one's config in this cluster (undefined: off), by list index. */
  readonly features: readonly AnyFeature[]
  readonly configs: readonly unknown[]
  /** 0 disables panic mode. */
  readonly panicThreshold: number
  readonly shared?: SharedPlan
  readonly stat: StatNames
  readonly random: Random
  /** An endpoint for an attempt, avoiding `tried` when possible; undefined when none is available (no panic). */
  choose(now: number, tried?: ReadonlySet<number>): { endpoint: Endpoint; panic: boolean } | undefined
  /** Clusters that left the config whose Durable Objects still need retiring (shared by a ClusterSet). */
  readonly retired: { name: string; version: number }[]
  /** The features' local bookkeeping of one outcome (outlier ejections), with their stats when `stats` is given. */
  recordLocal(index: number, code: number, now: number, stats?: Stats): void
  /** The features' admission checks (the shared breaker); undefined when none is on. */
  readonly admit?: (rc: RequestContext, now: number) => Response | undefined
  /** Outcomes go to the shared state (a feature that folds them is on). */
  readonly reports: boolean
  /** Adopts endpoint `i` of a fresh snapshot into every feature's view; true when availability may have changed. */
  adopt(i: number, e: SnapshotEndpointOf): boolean
  /** 0 when endpoint `i` may be picked now, else until when a feature keeps it out. */
  out(i: number, now: number): number
}

const DEFAULT_LIMITS: CircuitBreakersConfig = { max_requests: 1024, max_pending_requests: 1024, max_retries: 3 }

function toEndpoint(e: Cluster['endpoints'][number], index: number): Endpoint {
  if (e.url !== undefined) {
    const u = new URL(e.url)
    return { kind: 'url', origin: u.origin, host: u.host, weight: e.weight, index, key: u.host }
  }
  return { kind: 'service', binding: e.service!, weight: e.weight, index, key: `service:${e.service!}` }
}

/** How an endpoint appears in logs and errors: `host:port` or `service:BINDING`. */
export function endpointLabel(e: Endpoint): string {
  return e.kind === 'url' ? e.host : `service:${e.binding}`
}

/** Identity of a cluster's endpoint list: state carries over config versions only while it is unchanged. */
export function endpointSignature(c: Pick<Cluster, 'endpoints'>): string {
  return JSON.stringify(c.endpoints.map((e) => [e.url ?? null, e.service ?? null, e.weight]))
}

/** Carried over from earlier config versions. */
export interface ClusterCarry {
  state?: ClusterState
  version?: number
  retired?: { name: string; version: number }[]
}

export function createCluster(
  cluster: Cluster,
  random: Random = Math.random,
  carry: ClusterCarry = {},
  features: readonly AnyFeature[] = CLUSTER_FEATURES
): ClusterRuntime {
  const { state, version = 0 } = carry
  const endpoints = cluster.endpoints.map(toEndpoint)
  const seen = new Map<string, number>()
  for (const e of endpoints) {
    const n = seen.get(e.key) ?? 0
    seen.set(e.key, n + 1)
    if (n) e.key = `${e.key}#${n + 1}`
  }
  const n = endpoints.length
  const st = state && state.active.length === n ? state : new ClusterState(n, features)
  const policy: LbPolicy = cluster.lb_policy ?? 'round_robin'
  const pick = createPicker(endpoints, policy, st.active, random)
  const configs = features.map((f) => (cluster as Record<string, unknown>)[f.key])
  const shared = sharedPlan(cluster, endpoints, features, configs)
  const panicThreshold = cluster.healthy_panic_threshold ?? 50

  const rt = {
    name: cluster.name,
    version,
    endpoints,
    pick,
    active: st.active,
    state: st,
    limits: cluster.circuit_breakers ?? DEFAULT_LIMITS,
    features,
    configs,
    panicThreshold,
    ...(shared ? { shared } : {}),
    stat: createStatNames(cluster.name),
    random,
    retired: carry.retired ?? [],
    reports: shared?.reports ?? false,
  } as Omit<ClusterRuntime, 'choose' | 'recordLocal' | 'adopt' | 'out'> & Partial<ClusterRuntime>
  const { filtered, out, adopt, recordLocal, admit } = composeHooks(rt as ClusterRuntime, features, configs)
  Object.assign(rt, { out, adopt, recordLocal }, admit ? { admit } : {})

  // Availability is recomputed only when something changed or an exclusion ran out.
  let avail: { version: number; until: number; list: Endpoint[]; panic: boolean; pick?: () => Endpoint } | undefined
  function available(now: number) {
    if (avail && avail.version === st.version && now < avail.until) return avail
    let until = Infinity
    const list: Endpoint[] = []
    for (const e of endpoints) {
      const t = out(e.index, now)
      if (t === 0) list.push(e)
      else if (t < until) until = t
    }
    const panic = panicThreshold > 0 && list.length * 100 < panicThreshold * n
    const same = avail !== undefined && avail.list.length === list.length && avail.list.every((e, k) => e === list[k])
    let subset: (() => Endpoint) | undefined
    if (list.length === n || panic) subset = pick
    else if (same && avail!.pick) subset = avail!.pick
    else if (list.length) subset = createPicker(list, policy, st.active, random)
    avail = { version: st.version, until, list, panic, ...(subset ? { pick: subset } : {}) }
    return avail
  }

  rt.choose = (now, tried) => {
    if (!filtered && !tried?.size) return { endpoint: pick(), panic: false }
    const a = available(now)
    if (!a.pick) return undefined
    const pool = a.panic ? endpoints : a.list
    let e = a.pick()
    if (tried?.size && tried.has(e.index) && pool.length > tried.size) {
      // Envoy's previous_hosts predicate: pick again; round robin reaches an untried endpoint within the pool.
      for (let k = 0; k < pool.length && tried.has(e.index); k++) e = a.pick()
      if (tried.has(e.index)) e = pool.find((x) => !tried.has(x.index)) ?? e
    }
    return { endpoint: e, panic: a.panic }
  }
  return rt as ClusterRuntime
}
