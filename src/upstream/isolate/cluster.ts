/**
 * @module Clusters at run time, per isolate: endpoints, load balancing, and which endpoints are available (what
 * the cluster features take out, with Envoy's panic threshold), with the hooks of the features a cluster turns
 * on. A runtime is built per config version; its mutable ClusterState carries over versions that keep the same
 * endpoints.
 */
import type { Cluster } from '../../config/schema.ts'
import type { RequestContext } from '../../context.ts'
import type { Stats } from '../../observability/stats.ts'
import type { AnyFeature, IsolateHooks } from '../feature.ts'
import { CLUSTER_FEATURES } from '../features/index.ts'
import type { Random } from '../request/backoff.ts'
import type { CircuitBreakersConfig } from '../schema.ts'
import { ClusterState } from './cluster-state.ts'
import { createPicker, type LbPolicy } from './lb.ts'
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
  adopt(i: number, e: Parameters<NonNullable<IsolateHooks['adopt']>>[1]): boolean
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

/** Runs every hook of a kind in list order; undefined when no feature has one. */
function all<K extends keyof IsolateHooks>(hooks: IsolateHooks[], k: K): NonNullable<IsolateHooks[K]>[] {
  return hooks.flatMap((h) => (h[k] ? [h[k]!] : []))
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
  const sharing = features.filter((f, k) => f.shared && configs[k] !== undefined)

  let shared: SharedPlan | undefined
  if (sharing.length) {
    const spec: Record<string, unknown> = {
      name: cluster.name,
      endpoints: endpoints.map((e) => (e.kind === 'url' ? { key: e.key, url: e.origin } : { key: e.key, service: e.binding })),
    }
    for (const f of sharing) spec[f.shared!.specKey] = configs[features.indexOf(f)]
    shared = {
      specJson: JSON.stringify(spec),
      ttl: cluster.state_sync?.snapshot_ttl ?? 1_000,
      interval: cluster.state_sync?.report_interval ?? 1_000,
      indexByKey: new Map(endpoints.map((e) => [e.key, e.index])),
    }
  }
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
    reports: shared !== undefined && sharing.some((f) => f.shared!.outcomes),
  } as Omit<ClusterRuntime, 'choose' | 'recordLocal' | 'adopt' | 'out'> & Partial<ClusterRuntime>
  const hooks = features.map((f, k) => f.isolate?.setup(rt as ClusterRuntime, configs[k]) ?? {})
  const outs = all(hooks, 'out')
  const records = all(hooks, 'record')
  const admits = all(hooks, 'admit')
  const adopts = all(hooks, 'adopt')

  /** 0 when in rotation, else the earliest time a feature's exclusion may end. */
  function out(i: number, now: number): number {
    let until = 0
    for (const o of outs) {
      const t = o(i, now)
      if (t > 0 && (until === 0 || t < until)) until = t
    }
    return until
  }

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

  const filtered = outs.length > 0
  rt.out = out
  rt.adopt = (i, e) => {
    let changed = false
    for (const a of adopts) changed = a(i, e) || changed
    return changed
  }
  rt.recordLocal = records.length === 0 ? () => {} : records.length === 1 ? records[0]! : (i, code, now, stats) => records.forEach((r) => r(i, code, now, stats))
  if (admits.length)
    (rt as { admit?: ClusterRuntime['admit'] }).admit =
      admits.length === 1
        ? admits[0]!
        : (rc, now) => {
            for (const a of admits) {
              const r = a(rc, now)
              if (r) return r
            }
            return undefined
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
