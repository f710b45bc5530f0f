/**
 * @module Log-linear histograms (circllhist style): two significant decimal digits per bucket, so every bucket
 * is at most 10% wide relative to its value, and the bucket layout is fixed. Two histograms merge exactly by
 * adding bucket counts; p50, p90, p99 and p99.9 come from the merged buckets.
 *
 * A bucket is named by its inclusive upper bound `m × 10^(e-1)` with `m` in 10..99: the value v falls in
 * (previous bound, bound]. Every value with at most two significant digits (1, 2.5, 150, 60000, Envoy's default
 * Prometheus bounds) is a bucket bound, so cumulative counts at those bounds are exact.
 */

/** Smallest decade: values up to 1e-3 (1 µs when recording milliseconds) share the first bucket. */
export const MIN_EXPONENT = -3
/** Largest decade: values above 9.9e6 (2.75 h in ms) go to the overflow bucket. */
export const MAX_EXPONENT = 6
const PER_DECADE = 90
/** Bucket 0 holds values ≤ 0; the last one holds values above the largest bound. */
export const ZERO_BUCKET = 0
export const OVERFLOW_BUCKET = (MAX_EXPONENT - MIN_EXPONENT + 1) * PER_DECADE + 1
const POW10: number[] = []
for (let e = MIN_EXPONENT - 1; e <= MAX_EXPONENT + 1; e++) POW10[e - MIN_EXPONENT + 1] = Number(`1e${e}`)
const pow10 = (e: number) => POW10[e - MIN_EXPONENT + 1]!

/** Mergeable histogram state. Plain data: it crosses RPC and JSON as is. */
export interface HistogramData {
  count: number
  sum: number
  /** Smallest and largest recorded values (0 when empty). */
  min: number
  max: number
  /** Sample count by bucket index (sparse). */
  buckets: Record<number, number>
}

export const emptyHistogram = (): HistogramData => ({ count: 0, sum: 0, min: 0, max: 0, buckets: {} })

/** The bucket index for a value. NaN is not a value: callers skip it. */
export function bucketOf(v: number): number {
  if (!(v > 0)) return ZERO_BUCKET
  let e = Math.floor(Math.log10(v))
  if (e < MIN_EXPONENT) return 1
  if (e > MAX_EXPONENT) return OVERFLOW_BUCKET
  // The epsilon keeps values that are bounds in decimal (1.1 is stored as 1.1000000000000000888) in their bucket.
  let m = Math.ceil((v / pow10(e)) * 10 - 1e-9)
  if (m < 10) m = 10
  if (m >= 100) {
    m = 10
    e++
    if (e > MAX_EXPONENT) return OVERFLOW_BUCKET
  }
  return (e - MIN_EXPONENT) * PER_DECADE + (m - 10) + 1
}

/** Inclusive upper bound of a bucket (Infinity for the overflow bucket). */
export function upperBound(bucket: number): number {
  if (bucket <= ZERO_BUCKET) return 0
  if (bucket >= OVERFLOW_BUCKET) return Infinity
  const i = bucket - 1
  const e = Math.floor(i / PER_DECADE) + MIN_EXPONENT
  const m = (i % PER_DECADE) + 10
  // m × 10^(e-1), computed so that decimal bounds come out exact (25 × 1e-2 = 0.25, not 0.25000000000000006).
  return e >= 1 ? m * pow10(e - 1) : m / pow10(1 - e)
}

/** Exclusive lower bound of a bucket. */
export const lowerBound = (bucket: number): number => (bucket <= 1 ? 0 : upperBound(bucket - 1))

/** Records one sample. */
export function record(h: HistogramData, v: number): void {
  if (Number.isNaN(v)) return
  if (h.count === 0) h.min = h.max = v
  else if (v < h.min) h.min = v
  else if (v > h.max) h.max = v
  h.count++
  h.sum += v
  const b = bucketOf(v)
  h.buckets[b] = (h.buckets[b] ?? 0) + 1
}

/** Adds `from` into `into` (exact: bucket counts add). */
export function merge(into: HistogramData, from: HistogramData): HistogramData {
  if (from.count === 0) return into
  if (into.count === 0) {
    into.min = from.min
    into.max = from.max
  } else {
    if (from.min < into.min) into.min = from.min
    if (from.max > into.max) into.max = from.max
  }
  into.count += from.count
  into.sum += from.sum
  for (const [k, n] of Object.entries(from.buckets)) into.buckets[Number(k)] = (into.buckets[Number(k)] ?? 0) + n
  return into
}

/** Bucket indexes in ascending order. */
export const sortedBuckets = (h: HistogramData): number[] =>
  Object.keys(h.buckets)
    .map(Number)
    .sort((a, b) => a - b)

/**
 * The q-quantile (0..1), interpolated linearly inside its bucket and clamped to [min, max]. The error is at most
 * the bucket's width: 10% of the value. Empty histogram: NaN.
 */
export function quantile(h: HistogramData, q: number): number {
  if (h.count === 0) return NaN
  const rank = q * h.count
  let seen = 0
  for (const b of sortedBuckets(h)) {
    const n = h.buckets[b]!
    if (seen + n >= rank && n > 0) {
      const lo = Math.max(lowerBound(b), h.min)
      const hi = Math.min(upperBound(b), h.max)
      const v = lo + (hi - lo) * Math.max(0, Math.min(1, (rank - seen) / n))
      return Math.min(h.max, Math.max(h.min, v))
    }
    seen += n
  }
  return h.max
}

/** Samples ≤ `bound` when `bound` is a bucket bound (exact); otherwise counts whole buckets up to it. */
export function countAtMost(h: HistogramData, bound: number): number {
  let n = 0
  for (const [k, c] of Object.entries(h.buckets)) if (upperBound(Number(k)) <= bound) n += c
  return n
}

/** The quantiles reported by /stats and the dashboard (Envoy's P50, P90, P99, P99.9). */
export const QUANTILES = [0.5, 0.9, 0.99, 0.999] as const

/** count, sum, min, max, mean and p50/p90/p99/p99.9, rounded to 3 decimals. */
export function summarize(h: HistogramData) {
  const r = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null)
  return {
    count: h.count,
    sum: r(h.sum),
    min: h.count ? r(h.min) : null,
    max: h.count ? r(h.max) : null,
    mean: h.count ? r(h.sum / h.count) : null,
    p50: r(quantile(h, 0.5)),
    p90: r(quantile(h, 0.9)),
    p99: r(quantile(h, 0.99)),
    p999: r(quantile(h, 0.999)),
  }
}
export type HistogramSummary = ReturnType<typeof summarize>
