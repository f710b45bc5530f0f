/**
 * @module Prometheus text exposition format 0.0.4. Stat names become `legate_<name>` with Envoy-style tag
 * extraction: `cluster.<c>.x` → `legate_cluster_x{cluster_name="c"}`, `vhost.<v>.route.<r>.x` →
 * `legate_vhost_route_x{virtual_host="v",route="r"}`, `…_<N>xx` → `…_xx{response_code_class="Nxx"}`,
 * `…upstream_rq_<code>` → `…upstream_rq{response_code="<code>"}`. Names with dots (`api.v1`) are resolved against
 * the live config's names. Histograms are cumulative buckets at Envoy's default bounds, which are bucket bounds
 * of the log-linear histogram, so the counts are exact.
 */
import type { StatsSnapshot } from './aggregate.ts'
import { countAtMost, type HistogramData } from './histogram.ts'

/** Envoy's default histogram bucket bounds (ms). */
export const PROMETHEUS_BOUNDS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]

/** Names from the live config, to split `cluster.api.v1.upstream_rq_total` correctly. */
export interface KnownNames {
  clusters: readonly string[]
  /** Route names by virtual host name. */
  routes: ReadonlyMap<string, readonly string[]>
}

type Labels = [string, string][]
interface Sample {
  family: string
  labels: Labels
}

const longestPrefix = (rest: string, names: Iterable<string>) => {
  let best: string | undefined
  for (const n of names) if (rest.startsWith(`${n}.`) && (!best || n.length > best.length)) best = n
  return best
}

/** Splits a stat name into a metric family and labels. */
export function toSample(name: string, known: KnownNames): Sample {
  let family = name
  const labels: Labels = []
  if (name.startsWith('cluster.')) {
    const rest = name.slice(8)
    const c = longestPrefix(rest, known.clusters) ?? rest.split('.')[0]!
    if (rest.length > c.length + 1) {
      labels.push(['cluster_name', c])
      family = `cluster.${rest.slice(c.length + 1)}`
    }
  } else if (name.startsWith('vhost.')) {
    const rest = name.slice(6)
    const v = longestPrefix(rest, known.routes.keys()) ?? rest.split('.')[0]!
    const after = rest.slice(v.length + 1)
    if (after.startsWith('route.')) {
      const inRoute = after.slice(6)
      const r = longestPrefix(inRoute, known.routes.get(v) ?? []) ?? inRoute.slice(0, Math.max(0, inRoute.lastIndexOf('.')))
      if (r) {
        labels.push(['virtual_host', v], ['route', r])
        family = `vhost.route.${inRoute.slice(r.length + 1)}`
      }
    } else if (after) {
      labels.push(['virtual_host', v])
      family = `vhost.${after}`
    }
  }
  let m = /^(.*_)([1-5]xx)$/.exec(family)
  if (m) {
    labels.push(['response_code_class', m[2]!])
    family = `${m[1]}xx`
  } else if ((m = /^(.*upstream_rq)_(\d{3})$/.exec(family))) {
    labels.push(['response_code', m[2]!])
    family = m[1]!
  }
  return { family: `legate_${family.replace(/[^A-Za-z0-9_]/g, '_')}`, labels }
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelText = (labels: Labels) => (labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '')
const num = (v: number) => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Number.isNaN(v) ? 'NaN' : String(v))

type Kind = 'counter' | 'gauge' | 'histogram'

/** The exposition text (families sorted by name, each with one TYPE line). */
export function toPrometheus(snapshot: StatsSnapshot, known: KnownNames): string {
  const families = new Map<string, { kind: Kind; lines: [string, string[]][] }>()
  const add = (name: string, kind: Kind, render: (family: string, labels: Labels) => string[]) => {
    const { family, labels } = toSample(name, known)
    let key = family
    const existing = families.get(key)
    if (existing && existing.kind !== kind) key = `${family}_${kind}`
    let f = families.get(key)
    if (!f) families.set(key, (f = { kind, lines: [] }))
    f.lines.push([labelText(labels), render(key, labels)])
  }
  for (const [name, v] of Object.entries(snapshot.counters)) add(name, 'counter', (f, l) => [`${f}${labelText(l)} ${num(v)}`])
  for (const [name, g] of Object.entries(snapshot.gauges)) add(name, 'gauge', (f, l) => [`${f}${labelText(l)} ${num(g.value)}`])
  for (const [name, h] of Object.entries(snapshot.histograms)) add(name, 'histogram', (f, l) => histogramLines(f, l, h))
  const out: string[] = []
  for (const [name, f] of [...families].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`# TYPE ${name} ${f.kind}`)
    for (const [, lines] of f.lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(...lines)
  }
  return out.length ? `${out.join('\n')}\n` : ''
}

function histogramLines(family: string, labels: Labels, h: HistogramData): string[] {
  const lines: string[] = []
  for (const bound of PROMETHEUS_BOUNDS)
    lines.push(`${family}_bucket${labelText([...labels, ['le', String(bound)]])} ${countAtMost(h, bound)}`)
  lines.push(`${family}_bucket${labelText([...labels, ['le', '+Inf']])} ${h.count}`)
  lines.push(`${family}_sum${labelText(labels)} ${num(h.sum)}`, `${family}_count${labelText(labels)} ${h.count}`)
  return lines
}
