/** @module The cluster features of one runtime, per isolate: their shared plan (the spec the object receives) and their isolate hooks, composed once per config version. */
import type { Cluster } from '../../config/schema.ts'
import type { RequestContext } from '../../context.ts'
import type { Stats } from '../../observability/stats.ts'
import type { AnyFeature, IsolateHooks, SnapshotEndpointOf } from '../feature.ts'
import type { ClusterRuntime, Endpoint, SharedPlan } from './cluster.ts'

/** The shared part's plan: the spec with every feature's config that has a shared part; undefined when none is on. */
export function sharedPlan(cluster: Cluster, endpoints: readonly Endpoint[], features: readonly AnyFeature[], configs: readonly unknown[]): SharedPlan | undefined {
  const sharing = features.filter((f, k) => f.shared && configs[k] !== undefined)
  if (!sharing.length) return undefined
  const spec: Record<string, unknown> = {
    name: cluster.name,
    endpoints: endpoints.map((e) => (e.kind === 'url' ? { key: e.key, url: e.origin } : { key: e.key, service: e.binding })),
  }
  for (const f of sharing) spec[f.shared!.specKey] = configs[features.indexOf(f)]
  return {
    specJson: JSON.stringify(spec),
    ttl: cluster.state_sync?.snapshot_ttl ?? 1_000,
    interval: cluster.state_sync?.report_interval ?? 1_000,
    indexByKey: new Map(endpoints.map((e) => [e.key, e.index])),
    reports: sharing.some((f) => f.shared!.outcomes),
  }
}

/** Every feature's hooks for one runtime, composed so that a cluster pays only for the features it turns on. */
export interface ComposedHooks {
  /** Any feature can take endpoints out (else every endpoint is always available). */
  filtered: boolean
  out(i: number, now: number): number
  adopt(i: number, e: SnapshotEndpointOf): boolean
  recordLocal(i: number, code: number, now: number, stats?: Stats): void
  admit?: (rc: RequestContext, now: number) => Response | undefined
}

function all<K extends keyof IsolateHooks>(hooks: IsolateHooks[], k: K): NonNullable<IsolateHooks[K]>[] {
  return hooks.flatMap((h) => (h[k] ? [h[k]!] : []))
}

export function composeHooks(rt: ClusterRuntime, features: readonly AnyFeature[], configs: readonly unknown[]): ComposedHooks {
  const hooks = features.map((f, k) => f.isolate?.setup(rt, configs[k]) ?? {})
  const outs = all(hooks, 'out')
  const records = all(hooks, 'record')
  const admits = all(hooks, 'admit')
  const adopts = all(hooks, 'adopt')
  return {
    filtered: outs.length > 0,
    /** 0 when in rotation, else the earliest time a feature's exclusion may end. */
    out(i, now) {
      let until = 0
      for (const o of outs) {
        const t = o(i, now)
        if (t > 0 && (until === 0 || t < until)) until = t
      }
      return until
    },
    adopt(i, e) {
      let changed = false
      for (const a of adopts) changed = a(i, e) || changed
      return changed
    },
    recordLocal: records.length === 0 ? () => {} : records.length === 1 ? records[0]! : (i, code, now, stats) => records.forEach((r) => r(i, code, now, stats)),
    ...(admits.length
      ? {
          admit:
            admits.length === 1
              ? admits[0]!
              : (rc: RequestContext, now: number) => {
                  for (const a of admits) {
                    const r = a(rc, now)
                    if (r) return r
                  }
                  return undefined
                },
        }
      : {}),
  }
}
