/**
 * @module In-isolate stats: counters, gauges and histogram samples with Envoy-like names
 * (`cluster.<c>.upstream_rq_2xx`, `jwt_authn.denied.expired`, …). The observability work flushes them to
 * sharded Stats Durable Objects; everything else only records through the `Stats` interface.
 */

/** What filters and the core record into. Cheap: a Map update per call, no I/O. */
export interface Stats {
  /** Adds `delta` (default 1) to a counter. */
  counter(name: string, delta?: number): void
  /** Sets a gauge. */
  gauge(name: string, value: number): void
  /** Records one histogram sample (milliseconds for durations). */
  histogram(name: string, value: number): void
}

/** The in-memory store behind `Stats`, read by the admin API and drained by the flusher. */
export interface StatsStore extends Stats {
  readonly counters: Map<string, number>
  readonly gauges: Map<string, number>
  readonly histograms: Map<string, number[]>
}

export function createStatsStore(): StatsStore {
  const counters = new Map<string, number>()
  const gauges = new Map<string, number>()
  const histograms = new Map<string, number[]>()
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
      let samples = histograms.get(name)
      if (!samples) histograms.set(name, (samples = []))
      samples.push(value)
    },
  }
}
