/**
 * @module Reading the gateway-wide stats: flush this isolate, read every Stats shard, merge them exactly, and
 * shape the admin JSON view (`filter` regex, `usedonly`).
 */
import type { Env } from '../env.ts'
import { mergeSnapshots, type StatsSnapshot, statsShardName } from './aggregate.ts'
import type { StatsSettings } from './config.ts'
import type { FlushOutcome, StatsFlusher } from './flush.ts'
import { type HistogramData, type HistogramSummary, QUANTILES, sortedBuckets, summarize, upperBound } from './histogram.ts'
import { CORE_STATS } from './stat-names.ts'

export interface GatewayStats {
  snapshot: StatsSnapshot
  /** Shards that could not be read (their stats are missing from `snapshot`). */
  failedShards: number[]
  shards: number
  /** This isolate's flush before reading. */
  localFlush: FlushOutcome
}

/** Reads and merges every shard (in parallel). Never throws: a shard that fails is listed. */
export async function readShards(env: Pick<Env, 'STATS'>, shards: number): Promise<{ snapshot: StatsSnapshot; failedShards: number[] }> {
  const results = await Promise.allSettled(Array.from({ length: shards }, (_, i) => env.STATS.getByName(statsShardName(i)).snapshot()))
  const snapshots: StatsSnapshot[] = []
  const failedShards: number[] = []
  results.forEach((r, i) => {
    if (r.status === 'fulfilled' && r.value.ok) snapshots.push(r.value.snapshot as StatsSnapshot)
    else failedShards.push(i)
  })
  return { snapshot: mergeSnapshots(snapshots), failedShards }
}

/** Flushes this isolate, then reads and merges every shard. Never throws. */
export async function readGatewayStats(env: Env, flusher: StatsFlusher, settings: StatsSettings): Promise<GatewayStats> {
  const localFlush = await flusher.flush(env, settings)
  const { snapshot, failedShards } = await readShards(env, settings.shards)
  return { snapshot, failedShards, shards: settings.shards, localFlush }
}

export interface ViewOptions {
  /** Keep only names this regex matches anywhere (RE2, linear time: see src/lib/safe-regex.ts). */
  filter?: { test(name: string): boolean }
  /** Only stats that were written (counters above 0, histograms with samples); otherwise core stats show at 0. */
  usedonly?: boolean
  /** Add each histogram's non-empty buckets as `[upper bound, count]` (Envoy `histogram_buckets=disjoint`). */
  buckets?: boolean
}

/** Non-empty buckets, ascending: `[inclusive upper bound ("+Inf" for the overflow bucket), count]`. */
export const disjointBuckets = (h: HistogramData): [number | '+Inf', number][] =>
  sortedBuckets(h).map((b) => [Number.isFinite(upperBound(b)) ? upperBound(b) : '+Inf', h.buckets[b]!])

/** The snapshot with the view's filter applied and the core stats filled in (unless `usedonly`). */
export function selectStats(snapshot: StatsSnapshot, options: ViewOptions): StatsSnapshot {
  const keep = (name: string) => !options.filter || options.filter.test(name)
  const out: StatsSnapshot = { counters: {}, gauges: {}, histograms: {} }
  if (!options.usedonly) for (const name of CORE_STATS) if (keep(name)) out.counters[name] = 0
  for (const [name, v] of Object.entries(snapshot.counters)) if (keep(name) && (v !== 0 || !options.usedonly)) out.counters[name] = v
  for (const [name, g] of Object.entries(snapshot.gauges)) if (keep(name)) out.gauges[name] = g
  for (const [name, h] of Object.entries(snapshot.histograms)) if (keep(name) && (h.count > 0 || !options.usedonly)) out.histograms[name] = h
  return out
}

const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/** The `/stats` JSON body. */
export function toStatsJson(stats: GatewayStats, options: ViewOptions) {
  const s = selectStats(stats.snapshot, options)
  const histograms: Record<string, HistogramSummary & { buckets?: [number | '+Inf', number][] }> = {}
  for (const [name, h] of Object.entries(s.histograms)) histograms[name] = options.buckets ? { ...summarize(h), buckets: disjointBuckets(h) } : summarize(h)
  return {
    counters: sorted(s.counters),
    gauges: sorted(Object.fromEntries(Object.entries(s.gauges).map(([k, g]) => [k, g.value]))),
    histograms: sorted(histograms),
    supported_quantiles: QUANTILES.map((q) => q * 100),
    shards: { total: stats.shards, failed: stats.failedShards },
    local_flush: stats.localFlush.ok ? 'ok' : `failed: ${stats.localFlush.error}`,
  }
}
