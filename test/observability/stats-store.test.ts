import { describe, expect, it } from 'vitest'
import { applyDelta, emptySnapshot, mergeSnapshots } from '../../src/observability/aggregate.ts'
import { createStatsStore } from '../../src/observability/stats.ts'

describe('stats store', () => {
  it('keeps isolate totals while takeDelta hands out each increment exactly once', () => {
    const s = createStatsStore()
    const delivered = emptySnapshot()
    let expected = 0
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i <= round; i++) {
        s.counter('a')
        s.counter('b', 3)
        s.histogram('t', round * 10 + i)
        expected++
      }
      applyDelta(delivered, s.takeDelta()!, round)
    }
    expect(s.counters.get('a')).toBe(expected)
    expect(delivered.counters).toEqual({ a: expected, b: 3 * expected })
    expect(delivered.histograms.t!.count).toBe(expected)
    expect(delivered.histograms.t!.buckets).toEqual(s.histograms.get('t')!.buckets)
    expect(s.takeDelta()).toBeUndefined()
  })

  it('sends a gauge only when it changed, with its latest value', () => {
    const s = createStatsStore()
    s.gauge('g', 1)
    s.gauge('g', 2)
    expect(s.takeDelta()!.gauges).toEqual({ g: 2 })
    s.gauge('g', 2)
    expect(s.takeDelta()).toBeUndefined()
    s.gauge('g', 0)
    expect(s.takeDelta()!.gauges).toEqual({ g: 0 })
  })

  it('leaves untouched stats out of a delta', () => {
    const s = createStatsStore()
    s.counter('x')
    s.histogram('h', 5)
    s.takeDelta()
    s.counter('y')
    expect(s.takeDelta()).toEqual({ counters: { y: 1 }, gauges: {}, histograms: {} })
  })
})

describe('merging shard snapshots', () => {
  it('adds counters and histograms and keeps the newest gauge', () => {
    const a = applyDelta(emptySnapshot(), { counters: { n: 2 }, gauges: { g: 5 }, histograms: { h: { count: 1, sum: 3, min: 3, max: 3, buckets: { 100: 1 } } } }, 10)
    const b = applyDelta(emptySnapshot(), { counters: { n: 3, m: 1 }, gauges: { g: 7 }, histograms: { h: { count: 2, sum: 8, min: 2, max: 6, buckets: { 100: 1, 120: 1 } } } }, 20)
    const merged = mergeSnapshots([b, a])
    expect(merged.counters).toEqual({ n: 5, m: 1 })
    expect(merged.gauges.g).toEqual({ value: 7, at: 20 })
    expect(merged.histograms.h).toEqual({ count: 3, sum: 11, min: 2, max: 6, buckets: { 100: 2, 120: 1 } })
  })
})
