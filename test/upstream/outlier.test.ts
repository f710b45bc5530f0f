import { describe, expect, it } from 'vitest'
import { outlierDetection } from '../../src/upstream/schema.ts'
import { createOutlierStates, isEjected, recordOutlier, sweepOutliers } from '../../src/upstream/shared/outlier.ts'
import { RESET, TIMEOUT } from '../../src/upstream/request/retry.ts'

const config = (o: Record<string, unknown> = {}) => outlierDetection.parse({ max_ejection_percent: 100, ...o })
const always = () => 0

describe('outlier detection (Envoy)', () => {
  // envoy test/common/upstream/outlier_detection_impl_test.cc BasicFlow5xxViaHttpCodes
  it('ejects on the 5th consecutive 5xx, not before a success resets the streak, and returns after base_ejection_time', () => {
    const c = config()
    const s = createOutlierStates(2)
    for (const code of [500, 200, 500, 500, 500, 500]) expect(recordOutlier(s, 0, code, 0, c, always)).toBeUndefined()
    expect(recordOutlier(s, 0, 500, 0, c, always)).toEqual({ index: 0, kind: 'ejected', reason: 'consecutive_5xx' })
    expect(isEjected(s[0]!, 9_999)).toBe(true)
    expect(isEjected(s[0]!, 30_001)).toBe(false)
  })

  it('ejects for base × times ejected, capped at max_ejection_time; the multiplier decays per healthy interval', () => {
    const c = config({ consecutive_5xx: 1, base_ejection_time: '30s', max_ejection_time: '70s' })
    const s = createOutlierStates(2)
    const ejectAt = (t: number) => (recordOutlier(s, 0, 503, t, c, always), s[0]!.ejectedUntil - t)
    expect(ejectAt(0)).toBe(30_000)
    expect(ejectAt(40_000)).toBe(60_000)
    expect(ejectAt(200_000)).toBe(70_000)
    expect(s[0]!.timesEjected).toBe(3)
    sweepOutliers(s, 300_000, c, always, 2)
    expect(s[0]!.timesEjected).toBe(1)
  })

  it('counts resets and timeouts as gateway failures, but enforces that kind at 0% by default (detected only)', () => {
    const c = config({ consecutive_5xx: 10, consecutive_gateway_failure: 3 })
    const s = createOutlierStates(2)
    recordOutlier(s, 0, RESET, 0, c, always)
    recordOutlier(s, 0, TIMEOUT, 0, c, always)
    expect(recordOutlier(s, 0, 502, 0, c, always)).toEqual({ index: 0, kind: 'detected', reason: 'consecutive_gateway_failure' })
    expect(isEjected(s[0]!, 1)).toBe(false)
    const enforced = config({ consecutive_5xx: 10, consecutive_gateway_failure: 1, enforcing_consecutive_gateway_failure: 100 })
    expect(recordOutlier(s, 1, 504, 0, enforced, always)?.kind).toBe('ejected')
  })

  it('a 500 breaks a gateway-failure streak', () => {
    const c = config({ consecutive_5xx: 10, consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100 })
    const s = createOutlierStates(2)
    recordOutlier(s, 0, 503, 0, c, always)
    recordOutlier(s, 0, 500, 0, c, always)
    expect(recordOutlier(s, 0, 503, 0, c, always)).toBeUndefined()
  })

  it('never ejects past max_ejection_percent (counting the endpoint to eject), unless always_eject_one_host', () => {
    const c = config({ consecutive_5xx: 1, max_ejection_percent: 10 })
    const s = createOutlierStates(3)
    expect(recordOutlier(s, 0, 500, 0, c, always)?.kind).toBe('overflow')
    const one = config({ consecutive_5xx: 1, max_ejection_percent: 10, always_eject_one_host: true })
    expect(recordOutlier(s, 0, 500, 0, one, always)?.kind).toBe('ejected')
    expect(recordOutlier(s, 1, 500, 0, one, always)?.kind).toBe('overflow')
    const half = config({ consecutive_5xx: 1, max_ejection_percent: 50 })
    const t = createOutlierStates(4)
    expect(recordOutlier(t, 0, 500, 0, half, always)?.kind).toBe('ejected')
    expect(recordOutlier(t, 1, 500, 0, half, always)?.kind).toBe('ejected')
    expect(recordOutlier(t, 2, 500, 0, half, always)?.kind).toBe('overflow')
  })

  it('enforces with the configured probability', () => {
    const c = config({ consecutive_5xx: 1, enforcing_consecutive_5xx: 30 })
    expect(recordOutlier(createOutlierStates(2), 0, 500, 0, c, () => 0.29)?.kind).toBe('ejected')
    expect(recordOutlier(createOutlierStates(2), 0, 500, 0, c, () => 0.3)?.kind).toBe('detected')
  })

  it('ejects by failure percentage at the interval sweep when enforced and enough hosts have volume', () => {
    const c = config({ consecutive_5xx: 1000, enforcing_failure_percentage: 100, failure_percentage_minimum_hosts: 3, failure_percentage_request_volume: 10, success_rate_minimum_hosts: 100 })
    const s = createOutlierStates(3)
    s.forEach((e) => (e.success = 10))
    s[2]!.success = 1
    s[2]!.failure = 9
    expect(sweepOutliers(s, 0, c, always)).toEqual([{ index: 2, kind: 'ejected', reason: 'failure_percentage' }])
    expect(s.map((e) => e.success + e.failure)).toEqual([0, 0, 0])
    const few = createOutlierStates(3)
    few[0]!.failure = 10
    expect(sweepOutliers(few, 0, c, always)).toEqual([])
  })

  it('ejects by success rate below mean − stdev × factor', () => {
    const c = config({ consecutive_5xx: 1000, success_rate_minimum_hosts: 5, success_rate_request_volume: 100, success_rate_stdev_factor: 1000 })
    const s = createOutlierStates(5)
    s.forEach((e) => (e.success = 100))
    s[4]!.success = 50
    s[4]!.failure = 50
    expect(sweepOutliers(s, 0, c, always)).toEqual([{ index: 4, kind: 'ejected', reason: 'success_rate' }])
  })
})
