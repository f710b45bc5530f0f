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

/** Names per version, then per virtual host and route: no string is built per request. */
const byVersion = new Map<number, { names: VersionStatNames; routes: Map<string, Map<string, RouteVersionStatNames>> }>()

function namesOf(version: number) {
  let v = byVersion.get(version)
  if (!v) {
    // Two versions are live at a time; older ones are dropped so the cache stays small.
    if (byVersion.size >= 4) byVersion.clear()
    byVersion.set(version, (v = { names: versionStatNames(version), routes: new Map() }))
  }
  return v
}

/**
 * Records one request served during a rollout. Positional arguments: it runs on every request of a rollout, and
 * an options object would be one more allocation each time.
 * @param proxied the response came from an upstream (not a gateway-made reply)
 * @param vhost and route: set when a route matched
 */
export function recordRolloutSample(stats: Stats, version: number, status: number, durationMs: number, proxied: boolean, vhost?: string, route?: string): void {
  const v = namesOf(version)
  const n = v.names
  const is5xx = status >= 500
  const denied = status === 401 || status === 403
  stats.counter(n.total)
  stats.histogram(n.time, durationMs)
  if (is5xx) stats.counter(proxied ? n.upstream5xx : n.gateway5xx)
  if (denied) stats.counter(n.authDenied)
  if (vhost === undefined || route === undefined) {
    if (status === 404) stats.counter(n.noRoute)
    return
  }
  let routes = v.routes.get(vhost)
  if (!routes) v.routes.set(vhost, (routes = new Map()))
  let r = routes.get(route)
  if (!r) routes.set(route, (r = routeVersionStatNames(version, vhost, route)))
  stats.counter(r.total)
  if (is5xx) stats.counter(r.bad5xx)
  if (denied) stats.counter(r.authDenied)
}

/** `vhost~route` → the words an operator reads. */
export function describeRouteKey(key: string): string {
  const i = key.indexOf('~')
  return i < 0 ? key : `route "${key.slice(i + 1)}" (virtual host "${key.slice(0, i)}")`
}
