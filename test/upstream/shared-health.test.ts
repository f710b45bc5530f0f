import { describe, expect, it } from 'vitest'
import { failureRateBreaker, healthCheck, outlierDetection } from '../../src/upstream/schema.ts'
import { applyProbes, applyReport, applySpec, type ClusterSpec, createSharedDoc, toSnapshot } from '../../src/upstream/shared/shared-health.ts'

const spec = (keys: string[], o: Partial<ClusterSpec> = {}): ClusterSpec => ({
  name: 'c',
  endpoints: keys.map((key) => ({ key, url: `http://${key}` })),
  outlier: outlierDetection.parse({ consecutive_5xx: 2, max_ejection_percent: 100 }),
  breaker: failureRateBreaker.parse({ minimum_calls: 2, sliding_window_size: 2 }),
  healthCheck: healthCheck.parse({ path: '/h', timeout: '1s', interval: '10s', unhealthy_threshold: 1, healthy_threshold: 1 }),
  ...o,
})
const adopt = (doc = createSharedDoc(), s = spec(['a', 'b']), version = 1) => (applySpec(doc, version, JSON.stringify(s), s), doc)
const batch = (outcomes: number[], now = 1000) => ({ version: 1, spec: '', now, outcomes })

describe('shared cluster state (ClusterHealth math)', () => {
  it('folds reported outcomes into outlier ejections and the breaker', () => {
    const doc = adopt()
    applyReport(doc, ['a', 'b'], batch([1, 503, 5, 1000, 1, 503, 5, 1000]), () => 0)
    const snap = toSnapshot(doc, 1000)
    expect(snap.endpoints[1]).toMatchObject({ key: 'b', reason: 'consecutive_5xx', ejectedUntil: 31_000 })
    expect(snap.breaker).toMatchObject({ phase: 'open', openUntil: 61_000, failureRate: 100 })
    expect(snap.counters['outlier_detection.ejections_enforced_consecutive_5xx']).toBe(1)
  })

  it('maps outcomes by the sender’s endpoint keys, whatever the order', () => {
    const doc = adopt()
    applyReport(doc, ['b', 'a'], batch([1, 500, 5, 1000, 1, 500, 5, 1000]), () => 0)
    expect(toSnapshot(doc, 1000).endpoints.map((e) => e.reason)).toEqual(['consecutive_5xx', ''])
  })

  it('keeps the state of endpoints that stay when the spec changes, and never goes back to an older version', () => {
    const doc = adopt()
    applyReport(doc, ['a', 'b'], batch([0, 503, 5, 1000, 0, 503, 5, 1000]), () => 0)
    const next = spec(['a', 'c'])
    expect(applySpec(doc, 2, JSON.stringify(next), next)).toBe(true)
    expect(toSnapshot(doc, 1000).endpoints.map((e) => [e.key, e.reason])).toEqual([['a', 'consecutive_5xx'], ['c', '']])
    const old = spec(['a', 'b'])
    expect(applySpec(doc, 1, JSON.stringify(old), old)).toBe(false)
  })

  it('applies health-check rounds; a pass returns an ejected endpoint and bumps its uneject sequence', () => {
    const doc = adopt()
    applyReport(doc, ['a', 'b'], batch([0, 503, 5, 1000, 0, 503, 5, 1000]), () => 0)
    applyProbes(doc, [{ kind: 'status', status: 200 }, { kind: 'timeout' }])
    const snap = toSnapshot(doc, 1000)
    expect(snap.endpoints[0]).toMatchObject({ healthy: true, ejectedUntil: 0, unejectSeq: 1, last: 200 })
    expect(snap.endpoints[1]).toMatchObject({ healthy: false, last: 'timeout' })
    expect(snap.counters).toMatchObject({ 'health_check.attempt': 2, 'health_check.success': 1, 'health_check.network_failure': 1 })
  })

  it('sweeps at the outlier interval on the reporters’ clock', () => {
    const doc = adopt()
    applyReport(doc, ['a', 'b'], batch([], 1000), () => 0)
    doc.endpoints[0]!.outlier.failure = 3
    applyReport(doc, ['a', 'b'], batch([], 5000), () => 0)
    expect(doc.endpoints[0]!.outlier.failure).toBe(3)
    applyReport(doc, ['a', 'b'], batch([], 11_000), () => 0)
    expect(doc.endpoints[0]!.outlier.failure).toBe(0)
  })
})
