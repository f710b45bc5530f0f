/**
 * @module In-isolate stats: counters, gauges and log-linear histograms with Envoy-like names
 * (`cluster.<c>.upstream_rq_2xx`, `jwt_authn.denied.expired`, …). Everything records through the `Stats`
 * interface (a Map update per call, no I/O); the flusher (flush.ts) takes deltas and sends them to the sharded
 * Stats Durable Objects in `ctx.waitUntil`.
 */
import { emptyHistogram, type HistogramData, record } from './histogram.ts'

/** What filters and the core record into. Cheap: a Map update per call, no I/O. */
export interface Stats {
  /** Adds `delta` (default 1) to a counter. */
  counter(name: string, delta?: number): void
  /** Sets a gauge. */
  gauge(name: string, value: number): void
  /** Records one histogram sample (milliseconds for durations). */
  histogram(name: string, value: number): void
}

/** What changed since the previous `takeDelta`: counter increments, gauges that moved, new histogram samples. */
export interface StatsDelta {
  counters: Record<string, number>
  gauges: Record<string, number>
  histograms: Record<string, HistogramData>
}

/** The in-memory store behind `Stats`, read by the admin API and drained by the flusher. */
export interface StatsStore extends Stats {
  /** Counter totals since the isolate started (never reset by a flush). */
  readonly counters: Map<string, number>
  /** Last value of each gauge. */
  readonly gauges: Map<string, number>
  /** Histograms since the isolate started (never reset by a flush). */
  readonly histograms: Map<string, HistogramData>
  /**
   * Everything recorded since the previous call, and marks it as taken. Undefined when nothing changed.
   * A taken delta is the caller's to deliver: the store never gives the same increment out twice.
   */
  takeDelta(): StatsDelta | undefined
}

/** Bucket-wise `a - b` (b is an earlier copy of a). min/max are a's: they are exact over everything sent. */
function subtract(a: HistogramData, b: HistogramData | undefined): HistogramData | undefined {
  if (!b) return a.count ? copyOf(a) : undefined
  if (a.count === b.count) return undefined
  const buckets: Record<number, number> = {}
  // for…in over integer keys: no entry arrays, no string-to-number round trips (a flush runs on the isolate's
  // thread, between requests).
  for (const k in a.buckets) {
    const d = a.buckets[k as unknown as number]! - (b.buckets[k as unknown as number] ?? 0)
    if (d) buckets[k as unknown as number] = d
  }
  return { count: a.count - b.count, sum: a.sum - b.sum, min: a.min, max: a.max, buckets }
}

/** A copy that shares nothing mutable with `h` (its buckets are plain numbers). */
const copyOf = (h: HistogramData): HistogramData => ({ count: h.count, sum: h.sum, min: h.min, max: h.max, buckets: { ...h.buckets } })

/** Records nothing (`observability.stats.enabled: false`). */
export const NOOP_STATS: Stats = { counter() {}, gauge() {}, histogram() {} }

/** Creates an empty store. */
export function createStatsStore(): StatsStore {
  const counters = new Map<string, number>()
  const gauges = new Map<string, number>()
  const histograms = new Map<string, HistogramData>()
  // What the previous takeDelta saw, to compute the next delta once per flush instead of once per request.
  const takenCounters = new Map<string, number>()
  const takenGauges = new Map<string, number>()
  const takenHistograms = new Map<string, HistogramData>()
  return {
    counters,
    gauges,
    histograms,
    counter(name, delta = 1) {
      counters.set(name, (counters.get(name) ?? 0) + delta)
    },
    gauge(name, value) {
      gauges.set(name, value)
    },
    histogram(name, value) {
      let h = histograms.get(name)
      if (!h) histograms.set(name, (h = emptyHistogram()))
      record(h, value)
    },
    takeDelta() {
      const delta: StatsDelta = { counters: {}, gauges: {}, histograms: {} }
      let changed = false
      for (const [name, total] of counters) {
        const d = total - (takenCounters.get(name) ?? 0)
        if (d === 0) continue
        delta.counters[name] = d
        takenCounters.set(name, total)
        changed = true
      }
      for (const [name, value] of gauges) {
        if (takenGauges.get(name) === value) continue
        delta.gauges[name] = value
        takenGauges.set(name, value)
        changed = true
      }
      for (const [name, h] of histograms) {
        const d = subtract(h, takenHistograms.get(name))
        if (!d) continue
        delta.histograms[name] = d
        takenHistograms.set(name, copyOf(h))
        changed = true
      }
      return changed ? delta : undefined
    },
  }
}
