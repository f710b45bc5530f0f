/**
 * @module The stats that cross isolates: the batch an isolate flushes to a Stats Durable Object (validated at
 * the object's boundary), the snapshot a shard returns, and the exact merge of shard snapshots.
 */
import * as z from 'zod'
import { type HistogramData, merge } from './histogram.ts'
import type { StatsDelta } from './stats.ts'

/** One flush from one isolate. `(source, seq)` makes a resend idempotent: a shard applies each seq once. */
export interface StatsBatch {
  /** The isolate's random id. */
  source: string
  /** 1, 2, 3… per isolate; a shard applies a batch only if its seq is above the last one it applied. */
  seq: number
  /** When the batch was taken (ms since the epoch): the time of its gauge values. */
  at: number
  delta: StatsDelta
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number')
const histogramData = z.strictObject({
  count: z.number().int().min(0),
  sum: finite,
  min: finite,
  max: finite,
  buckets: z.record(z.string().regex(/^\d+$/), z.number().int()),
})

/** The Stats object's input check (house style: validate DO inputs with safeParse). */
export const statsBatchSchema = z.strictObject({
  source: z.string().min(1).max(64),
  seq: z.number().int().min(1),
  at: z.number().int().min(0),
  delta: z.strictObject({
    counters: z.record(z.string().min(1).max(512), finite),
    gauges: z.record(z.string().min(1).max(512), finite),
    histograms: z.record(z.string().min(1).max(512), histogramData),
  }),
})

/** What one shard holds, and (merged) what the admin API shows. */
export interface StatsSnapshot {
  counters: Record<string, number>
  /** Gauges are per isolate; across isolates the most recent report wins. */
  gauges: Record<string, { value: number; at: number }>
  histograms: Record<string, HistogramData>
}

export const emptySnapshot = (): StatsSnapshot => ({ counters: {}, gauges: {}, histograms: {} })

/** Merges shard snapshots exactly: counters add, histograms add bucket-wise, the newest gauge wins. */
export function mergeSnapshots(snapshots: readonly StatsSnapshot[]): StatsSnapshot {
  const out = emptySnapshot()
  for (const s of snapshots) {
    for (const [name, v] of Object.entries(s.counters)) out.counters[name] = (out.counters[name] ?? 0) + v
    for (const [name, g] of Object.entries(s.gauges)) {
      const seen = out.gauges[name]
      if (!seen || g.at > seen.at) out.gauges[name] = { ...g }
    }
    for (const [name, h] of Object.entries(s.histograms)) {
      const into = out.histograms[name] ?? { count: 0, sum: 0, min: 0, max: 0, buckets: {} }
      out.histograms[name] = merge(into, h)
    }
  }
  return out
}

/** Adds one isolate's delta to a snapshot (what a shard does in SQL; used for the local view and in tests). */
export function applyDelta(into: StatsSnapshot, delta: StatsDelta, at: number): StatsSnapshot {
  for (const [name, v] of Object.entries(delta.counters)) into.counters[name] = (into.counters[name] ?? 0) + v
  for (const [name, value] of Object.entries(delta.gauges)) into.gauges[name] = { value, at }
  for (const [name, h] of Object.entries(delta.histograms))
    into.histograms[name] = merge(into.histograms[name] ?? { count: 0, sum: 0, min: 0, max: 0, buckets: {} }, h)
  return into
}


/** The name of shard `i` (`env.STATS.getByName(statsShardName(i))`). */
export const statsShardName = (i: number) => `stats-${i}`
