import { describe, expect, it } from 'vitest'
import { healthCheck } from '../../src/upstream/schema.ts'
import { applyProbe, createEndpointHealth, nextProbeDelay } from '../../src/upstream/shared/health.ts'

const hc = (o: Record<string, unknown> = {}) =>
  healthCheck.parse({ path: '/healthz', timeout: '1s', interval: '10s', unhealthy_threshold: 2, healthy_threshold: 3, ...o })
const ok = { kind: 'status', status: 200 } as const

describe('active health check state', () => {
  it('starts healthy, turns unhealthy after unhealthy_threshold network failures in a row', () => {
    const h = createEndpointHealth()
    expect(applyProbe(h, { kind: 'timeout' }, hc())).toEqual({ pass: false })
    expect(h.healthy).toBe(true)
    expect(applyProbe(h, { kind: 'network' }, hc())).toEqual({ pass: false, changed: 'unhealthy' })
    expect(h.last).toBe('network')
  })

  it('a pass in between restarts the count', () => {
    const h = createEndpointHealth()
    applyProbe(h, { kind: 'timeout' }, hc())
    applyProbe(h, ok, hc())
    applyProbe(h, { kind: 'timeout' }, hc())
    expect(h.healthy).toBe(true)
  })

  it('fails at once on a status that is neither expected nor retriable (Envoy)', () => {
    const h = createEndpointHealth()
    expect(applyProbe(h, { kind: 'status', status: 503 }, hc()).changed).toBe('unhealthy')
  })

  it('counts retriable statuses toward the threshold instead', () => {
    const h = createEndpointHealth()
    const c = hc({ retriable_statuses: [{ start: 503, end: 504 }] })
    expect(applyProbe(h, { kind: 'status', status: 503 }, c).changed).toBeUndefined()
    expect(applyProbe(h, { kind: 'status', status: 503 }, c).changed).toBe('unhealthy')
  })

  it('needs healthy_threshold passes in a row to come back', () => {
    const h = createEndpointHealth()
    applyProbe(h, { kind: 'status', status: 500 }, hc())
    expect(applyProbe(h, ok, hc()).changed).toBeUndefined()
    expect(applyProbe(h, ok, hc()).changed).toBeUndefined()
    expect(applyProbe(h, ok, hc())).toEqual({ pass: true, changed: 'healthy' })
  })

  it('accepts any status in expected_statuses ranges', () => {
    const h = createEndpointHealth()
    const c = hc({ expected_statuses: [{ start: 200, end: 300 }] })
    expect(applyProbe(h, { kind: 'status', status: 204 }, c).pass).toBe(true)
    expect(applyProbe(h, { kind: 'status', status: 300 }, c).pass).toBe(false)
  })

  it('schedules the next round at interval plus jitter', () => {
    const c = hc({ interval_jitter: '1s', interval_jitter_percent: 10 })
    expect(nextProbeDelay(c, () => 0)).toBe(10_000)
    expect(nextProbeDelay(c, () => 0.5)).toBe(11_000)
  })

  it.each([
    [{ path: 'healthz' }, 'path'],
    [{ method: 'CONNECT' }, 'method'],
    [{ expected_statuses: [{ start: 300, end: 200 }] }, 'end must be greater'],
    [{ unhealthy_threshold: 0 }, 'unhealthy_threshold'],
    [{ timeout: undefined }, 'timeout'],
  ])('rejects %j', (o, where) => {
    const r = healthCheck.safeParse({ path: '/healthz', timeout: '1s', interval: '10s', unhealthy_threshold: 2, healthy_threshold: 3, ...o })
    expect(r.success).toBe(false)
    expect(JSON.stringify(r.error?.issues)).toContain(where)
  })
})
