/**
 * @module The verdict on a canary: its figures against stable's over the same window (since the step began),
 * overall and per route, from the gateway-wide stats (cumulative counters, so a window is now − baseline).
 * Pure: the coordinator (durable/config-coordinator.ts) reads the stats and acts on the verdict.
 */
import type { StatsSnapshot } from '../observability/aggregate.ts'
import { emptyHistogram, type HistogramData, quantile } from '../observability/histogram.ts'
import type { Guardrails } from './schema.ts'
import { describeRouteKey, versionPrefix, versionStatNames } from './stats.ts'

export interface RouteFigures {
  total: number
  bad5xx: number
  authDenied: number
}
export interface VersionFigures {
  version: number
  total: number
  upstream5xx: number
  gateway5xx: number
  authDenied: number
  noRoute: number
  /** Milliseconds; NaN without samples. */
  p99: number
  routes: Record<string, RouteFigures>
}

export interface Trip {
  guardrail: string
  /** `overall` or the route as `<vhost>~<route>`. */
  scope: string
  canary: number
  stable: number
  canary_requests: number
  stable_requests: number
  detail: string
  /** For an overall trip: the canary route with the most requests of the kind that tripped (`<vhost>~<route>`). */
  worst_route?: string
}

export type Verdict = { kind: 'insufficient'; detail: string } | { kind: 'healthy' } | { kind: 'trip'; trip: Trip }

/** Only the rollout's counters and histograms: what a baseline has to remember. */
export function rolloutPart(s: StatsSnapshot, versions: readonly number[]): StatsSnapshot {
  const prefixes = versions.map(versionPrefix)
  const keep = (n: string) => prefixes.some((p) => n.startsWith(p))
  const out: StatsSnapshot = { counters: {}, gauges: {}, histograms: {} }
  for (const [n, v] of Object.entries(s.counters)) if (keep(n)) out.counters[n] = v
  for (const [n, h] of Object.entries(s.histograms)) if (keep(n)) out.histograms[n] = h
  return out
}

function histogramSince(now: HistogramData | undefined, base: HistogramData | undefined): HistogramData {
  if (!now) return emptyHistogram()
  if (!base) return now
  const buckets: Record<number, number> = {}
  for (const [b, n] of Object.entries(now.buckets)) {
    const d = n - (base.buckets[Number(b)] ?? 0)
    if (d > 0) buckets[Number(b)] = d
  }
  return { count: now.count - base.count, sum: now.sum - base.sum, min: now.min, max: now.max, buckets }
}

/** One version's figures in the window `now` − `base`. */
export function figuresFor(version: number, now: StatsSnapshot, base: StatsSnapshot): VersionFigures {
  const since = (n: string) => (now.counters[n] ?? 0) - (base.counters[n] ?? 0)
  const n = versionStatNames(version)
  const routePrefix = `${versionPrefix(version)}route.`
  const routes: Record<string, RouteFigures> = {}
  for (const name of Object.keys(now.counters)) {
    if (!name.startsWith(routePrefix) || !name.endsWith('.rq_total')) continue
    const key = name.slice(routePrefix.length, -'.rq_total'.length)
    const p = `${routePrefix}${key}.`
    routes[key] = { total: since(`${p}rq_total`), bad5xx: since(`${p}rq_5xx`), authDenied: since(`${p}rq_auth_denied`) }
  }
  return {
    version,
    total: since(n.total),
    upstream5xx: since(n.upstream5xx),
    gateway5xx: since(n.gateway5xx),
    authDenied: since(n.authDenied),
    noRoute: since(n.noRoute),
    p99: quantile(histogramSince(now.histograms[n.time], base.histograms[n.time]), 0.99),
    routes,
  }
}

const rate = (part: number, total: number) => (total > 0 ? part / total : 0)
const pct = (r: number) => `${(r * 100).toFixed(1)} %`

/** Compares canary with stable. A trip names the guardrail, the scope and both figures. */
export function judge(canary: VersionFigures, stable: VersionFigures, g: Guardrails): Verdict {
  if (canary.total < g.min_requests)
    return { kind: 'insufficient', detail: `${canary.total} of the ${g.min_requests} canary requests needed for a verdict` }
  // Each rate guardrail reads the count it compares: the name, the count and the allowed increase.
  const rates: [string, (f: RouteFigures) => number, number][] = [
    ['5xx rate', (f) => f.bad5xx, g.max_5xx_increase],
    ['401/403 rate', (f) => f.authDenied, g.max_auth_denied_increase],
  ]
  const overall = (f: VersionFigures): RouteFigures => ({ total: f.total, bad5xx: f.upstream5xx + f.gateway5xx, authDenied: f.authDenied })
  const scopes: [string, RouteFigures, RouteFigures | undefined][] = [
    ['overall', overall(canary), overall(stable)],
    ...Object.entries(canary.routes)
      .filter(([, f]) => f.total >= g.min_route_requests)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, f]): [string, RouteFigures, RouteFigures | undefined] => [k, f, stable.routes[k]]),
  ]
  const cmp = (guardrail: string, scope: string, c: number, s: number, ct: number, st: number, max: number): Trip | undefined =>
    c - s > max
      ? { guardrail, scope, canary: c, stable: s, canary_requests: ct, stable_requests: st, detail: `${guardrail} ${scope === 'overall' ? 'overall' : `on ${describeRouteKey(scope)}`}: canary ${pct(c)} of ${ct} requests vs stable ${pct(s)} of ${st} (allowed increase ${pct(max)})` }
      : undefined
  for (const [scope, c, s] of scopes) {
    const st = s?.total ?? 0
    for (const [name, count, max] of rates) {
      const trip = cmp(name, scope, rate(count(c), c.total), s ? rate(count(s), st) : 0, c.total, st, max)
      if (!trip) continue
      if (scope === 'overall') {
        const worst = Object.entries(canary.routes).sort(([, a], [, b]) => count(b) - count(a))[0]
        if (worst && count(worst[1]) > 0) trip.worst_route = worst[0]
      }
      return { kind: 'trip', trip }
    }
  }
  const noRoute = cmp('no-route (ERR_ROUTE_NOT_FOUND) rate', 'overall', rate(canary.noRoute, canary.total), rate(stable.noRoute, stable.total), canary.total, stable.total, g.max_no_route_increase)
  if (noRoute) return { kind: 'trip', trip: noRoute }
  if (Number.isFinite(canary.p99) && Number.isFinite(stable.p99) && canary.p99 > stable.p99 * g.p99_max_ratio && canary.p99 - stable.p99 > g.p99_min_increase)
    return {
      kind: 'trip',
      trip: {
        guardrail: 'p99 latency',
        scope: 'overall',
        canary: canary.p99,
        stable: stable.p99,
        canary_requests: canary.total,
        stable_requests: stable.total,
        detail: `p99 latency overall: canary ${canary.p99.toFixed(0)} ms vs stable ${stable.p99.toFixed(0)} ms (allowed ×${g.p99_max_ratio} and +${g.p99_min_increase} ms)`,
      },
    }
  return { kind: 'healthy' }
}
