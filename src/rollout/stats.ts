/**
 * @module Stats labelled by config version, recorded only while a rollout runs (both versions, so the two can be
 * compared): `rollout.v<N>.*` overall and `rollout.v<N>.route.<vhost>~<route>.*` per route. Names are built once
 * per version and route. The coordinator reads them from the Stats shards and judges (./judge.ts).
 */
import type { Stats } from '../observability/stats.ts'

export interface VersionStatNames {
  total: string
  upstream5xx: string
  gateway5xx: string
  authDenied: string
  noRoute: string
  time: string
}
export interface RouteVersionStatNames {
  total: string
  bad5xx: string
  authDenied: string
}

export const versionPrefix = (version: number) => `rollout.v${version}.`
/** `~` appears in neither a virtual host nor a route name, so the judge can split the key back. */
export const routeKey = (vhost: string, route: string) => `${vhost}~${route}`
export const routeStatPrefix = (version: number, vhost: string, route: string) => `rollout.v${version}.route.${routeKey(vhost, route)}.`

export function versionStatNames(version: number): VersionStatNames {
  const p = versionPrefix(version)
  return {
    total: `${p}rq_total`,
    upstream5xx: `${p}rq_5xx_upstream`,
    gateway5xx: `${p}rq_5xx_gateway`,
    authDenied: `${p}rq_auth_denied`,
    noRoute: `${p}no_route`,
    time: `${p}rq_time`,
  }
}

export function routeVersionStatNames(version: number, vhost: string, route: string): RouteVersionStatNames {
  const p = routeStatPrefix(version, vhost, route)
  return { total: `${p}rq_total`, bad5xx: `${p}rq_5xx`, authDenied: `${p}rq_auth_denied` }
}

const byVersion = new Map<number, { names: VersionStatNames; routes: Map<string, RouteVersionStatNames> }>()

function namesOf(version: number) {
  let v = byVersion.get(version)
  if (!v) {
    // Two versions are live at a time; older ones are dropped so the cache stays small.
    if (byVersion.size >= 4) byVersion.clear()
    byVersion.set(version, (v = { names: versionStatNames(version), routes: new Map() }))
  }
  return v
}

export interface RolloutSample {
  version: number
  status: number
  durationMs: number
  /** The response came from an upstream (not a gateway-made reply). */
  proxied: boolean
  /** Set when a route matched. */
  route?: { vhost: string; name: string }
}

/** Records one request served during a rollout. */
export function recordRolloutSample(stats: Stats, s: RolloutSample): void {
  const v = namesOf(s.version)
  const n = v.names
  const is5xx = s.status >= 500
  const denied = s.status === 401 || s.status === 403
  stats.counter(n.total)
  stats.histogram(n.time, s.durationMs)
  if (is5xx) stats.counter(s.proxied ? n.upstream5xx : n.gateway5xx)
  if (denied) stats.counter(n.authDenied)
  if (!s.route) {
    if (s.status === 404) stats.counter(n.noRoute)
    return
  }
  const key = `${s.route.vhost}\u0000${s.route.name}`
  let r = v.routes.get(key)
  if (!r) v.routes.set(key, (r = routeVersionStatNames(s.version, s.route.vhost, s.route.name)))
  stats.counter(r.total)
  if (is5xx) stats.counter(r.bad5xx)
  if (denied) stats.counter(r.authDenied)
}

/** `vhost~route` → the words an operator reads. */
export function describeRouteKey(key: string): string {
  const i = key.indexOf('~')
  return i < 0 ? key : `route "${key.slice(i + 1)}" (virtual host "${key.slice(0, i)}")`
}
