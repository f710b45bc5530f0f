import { describe, expect, it } from 'vitest'
import {
  bucketOf,
  countAtMost,
  emptyHistogram,
  type HistogramData,
  lowerBound,
  merge,
  OVERFLOW_BUCKET,
  quantile,
  record,
  upperBound,
  ZERO_BUCKET,
} from '../../src/observability/histogram.ts'
import { PROMETHEUS_BOUNDS } from '../../src/observability/prometheus.ts'

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const from = (values: number[]) => {
  const h = emptyHistogram()
  for (const v of values) record(h, v)
  return h
}

/** The exact q-quantile of sorted values (nearest rank). */
const exact = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!

describe('log-linear buckets', () => {
  it('puts every value in a bucket (lower, upper] at most 10% wide', () => {
    const random = rng(1)
    for (let i = 0; i < 20_000; i++) {
      const v = Math.exp(random() * 30 - 9) // about 1e-4 .. 1e9
      const b = bucketOf(v)
      if (b === OVERFLOW_BUCKET) {
        expect(v).toBeGreaterThan(9.9e6)
        continue
      }
      expect(v, `value ${v} bucket ${b}`).toBeLessThanOrEqual(upperBound(b))
      expect(v).toBeGreaterThan(lowerBound(b))
      if (v > 1e-3) expect((upperBound(b) - lowerBound(b)) / upperBound(b)).toBeLessThanOrEqual(0.1 + 1e-12)
    }
  })

  it.each([
    [1, 1],
    [2, 2],
    [10, 10],
    [150, 150],
    [151, 160],
    [0.25, 0.25],
    [1.1, 1.1],
    [999, 1000],
    [1000, 1000],
    [60000, 60000],
    [0.0004, 0.001],
  ])('records %s in the bucket bounded by %s', (v, bound) => {
    expect(upperBound(bucketOf(v))).toBe(bound)
  })

  it('makes every two-significant-digit value, and each Prometheus bound, a bucket bound (exact cumulative counts)', () => {
    for (const bound of [...PROMETHEUS_BOUNDS, 0.5, 2.5, 7.7, 99, 3300, 1_200_000]) expect(upperBound(bucketOf(bound))).toBe(bound)
    for (let n = 1; n <= 100; n++) expect(upperBound(bucketOf(n))).toBe(n)
  })

  it('keeps zero and negatives in the zero bucket, huge values in the overflow bucket, and ignores NaN', () => {
    expect(bucketOf(0)).toBe(ZERO_BUCKET)
    expect(bucketOf(-5)).toBe(ZERO_BUCKET)
    expect(bucketOf(1e12)).toBe(OVERFLOW_BUCKET)
    expect(upperBound(OVERFLOW_BUCKET)).toBe(Infinity)
    const h = from([0, -1, 1e12, NaN])
    expect(h.count).toBe(3)
    expect(h.min).toBe(-1)
    expect(h.max).toBe(1e12)
  })
})

describe('merging', () => {
  it('is exact: histograms of parts merge into the histogram of the whole', () => {
    const random = rng(7)
    const values = Array.from({ length: 5000 }, () => Math.round(random() * random() * 3000 * 100) / 100)
    const whole = from(values)
    const parts = [0, 1, 2, 3, 4].map((k) => from(values.filter((_, i) => i % 5 === k)))
    const merged = parts.reduce((into, p) => merge(into, p), emptyHistogram())
    expect(merged.buckets).toEqual(whole.buckets)
    expect(merged.count).toBe(whole.count)
    expect([merged.min, merged.max]).toEqual([whole.min, whole.max])
    expect(merged.sum).toBeCloseTo(whole.sum, 6)
  })

  it('is commutative and associative on bucket counts', () => {
    const random = rng(3)
    const [a, b, c] = [1, 2, 3].map(() => from(Array.from({ length: 300 }, () => random() * 500)))
    const copy = (h: HistogramData) => structuredClone(h)
    const left = merge(merge(copy(a!), b!), c!)
    const right = merge(copy(a!), merge(copy(c!), b!))
    expect(left.buckets).toEqual(right.buckets)
    expect(left.count).toBe(900)
  })

  it('merges into an empty histogram and ignores an empty one', () => {
    const h = from([5, 7])
    expect(merge(emptyHistogram(), h)).toMatchObject({ count: 2, min: 5, max: 7 })
    expect(merge(structuredClone(h), emptyHistogram())).toEqual(h)
  })
})

describe('quantiles', () => {
  it.each([
    ['uniform 1..10000 ms', (r: () => number) => 1 + Math.floor(r() * 10_000)],
    ['long tail', (r: () => number) => Math.round(-Math.log(1 - r()) * 40 * 100) / 100],
    ['bimodal', (r: () => number) => (r() < 0.9 ? 2 + r() * 3 : 800 + r() * 400)],
  ])('p50, p90, p99 and p99.9 are within 10%% of the exact values (%s)', (_, sample) => {
    const random = rng(42)
    const values = Array.from({ length: 20_000 }, () => sample(random))
    const sorted = [...values].sort((a, b) => a - b)
    const h = from(values)
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const want = exact(sorted, q)
      expect(Math.abs(quantile(h, q) - want) / want, `q=${q} got ${quantile(h, q)} want ${want}`).toBeLessThanOrEqual(0.1)
    }
  })

  it('is NaN when empty, and the value itself for a single sample', () => {
    expect(quantile(emptyHistogram(), 0.5)).toBeNaN()
    expect(quantile(from([42]), 0.99)).toBe(42)
  })

  it('counts samples at most a bucket bound exactly', () => {
    const random = rng(9)
    const values = Array.from({ length: 3000 }, () => Math.floor(random() * 2000))
    const h = from(values)
    for (const bound of PROMETHEUS_BOUNDS) expect(countAtMost(h, bound)).toBe(values.filter((v) => v <= bound).length)
  })
})
