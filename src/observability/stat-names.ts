/**
 * @module Stat names recorded by the core (Envoy's HTTP connection manager and vhost/route trees), interned so
 * the hot path builds no strings: the downstream names are constants, the route names are built once per
 * route and cached.
 */

const CLASSES = ['', '1xx', '2xx', '3xx', '4xx', '5xx'] as const

/** `http.*`: every request the data plane answered (admin requests are not counted). */
export const DOWNSTREAM = {
  total: 'http.downstream_rq_total',
  /** By status class; index 1..5. */
  classes: CLASSES.map((c) => `http.downstream_rq_${c}`),
  /** Milliseconds until the response headers. */
  time: 'http.downstream_rq_time',
  /** Requests no route matched (Envoy router `no_route`). */
  noRoute: 'http.no_route',
  /**
   * Answered by the gateway itself: no route, malformed requests, redirects, direct responses, filter replies
   * (401, 403, 429, …) and upstream failures (502, 503, 504). With `proxied`, sums to `total`.
   */
  local: 'http.downstream_rq_local',
  /** Answered with an upstream's response (the forward action got one; a retried request counts once). */
  proxied: 'http.downstream_rq_proxied',
} as const

/** Core stats that exist from the start, shown at 0 by `/stats` unless `usedonly`. */
export const CORE_STATS = [DOWNSTREAM.total, ...DOWNSTREAM.classes.slice(1), DOWNSTREAM.noRoute, DOWNSTREAM.local, DOWNSTREAM.proxied, 'config.update_attempt', 'config.update_success', 'config.update_rejected', 'config.update_failure']

export interface RouteStatNames {
  total: string
  classes: readonly string[]
  time: string
}

const byVhost = new Map<string, Map<string, RouteStatNames>>()
/** Route names come from config; a runaway set of names (many versions) resets the cache instead of growing. */
const MAX_CACHED_ROUTES = 10_000
let cached = 0

/** `vhost.<v>.route.<r>.upstream_rq_{total,<N>xx,time}`: every request the route matched, local replies included. */
export function routeStatNames(vhost: string, route: string): RouteStatNames {
  let routes = byVhost.get(vhost)
  if (!routes) byVhost.set(vhost, (routes = new Map()))
  let names = routes.get(route)
  if (!names) {
    if (++cached > MAX_CACHED_ROUTES) {
      byVhost.clear()
      cached = 1
      byVhost.set(vhost, (routes = new Map()))
    }
    const prefix = `vhost.${vhost}.route.${route}.upstream_rq_`
    names = { total: `${prefix}total`, classes: CLASSES.map((c) => `${prefix}${c}`), time: `${prefix}time` }
    routes.set(route, names)
  }
  return names
}
