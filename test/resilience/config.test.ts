import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'

const filters = createRegistry()
const withCluster = (extra: Record<string, unknown>, forward: Record<string, unknown> = {}) => ({
  clusters: [{ name: 'c', endpoints: [{ url: 'http://127.0.0.1:1' }], ...extra }],
  virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'c', ...forward } }] }],
})

describe('resilience config', () => {
  it('accepts a cluster with every resilience feature and applies Envoy / resilience4j defaults', () => {
    const r = validateConfig(
      withCluster(
        {
          circuit_breakers: { retry_budget: {} },
          failure_rate_breaker: {},
          outlier_detection: {},
          health_check: { path: '/healthz', timeout: '1s', interval: '5s', unhealthy_threshold: 3, healthy_threshold: 2 },
          healthy_panic_threshold: 30,
          state_sync: {},
        },
        { retry_policy: { retry_on: '5xx,reset', per_try_timeout: '250ms' } }
      ),
      filters
    )
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    const c = r.config.clusters[0]!
    expect(c.circuit_breakers).toEqual({ max_requests: 1024, max_pending_requests: 1024, max_retries: 3, retry_budget: { budget_percent: 20, min_retry_concurrency: 3 } })
    expect(c.failure_rate_breaker).toMatchObject({ failure_rate_threshold: 50, minimum_calls: 100, wait_duration_in_open: 60_000, permitted_calls_in_half_open: 10 })
    expect(c.outlier_detection).toMatchObject({ consecutive_5xx: 5, interval: 10_000, base_ejection_time: 30_000, max_ejection_percent: 10, enforcing_consecutive_gateway_failure: 0 })
    expect(c.health_check).toMatchObject({ method: 'GET', expected_statuses: [{ start: 200, end: 201 }] })
    expect(c.state_sync).toEqual({ snapshot_ttl: 1000, report_interval: 1000 })
    expect(r.config.virtual_hosts[0]!.routes[0]!.forward!.retry_policy).toMatchObject({ num_retries: 1, per_try_timeout: 250 })
  })

  it.each([
    [{ circuit_breakers: { max_requests: 0 } }, 'clusters[0].circuit_breakers.max_requests'],
    [{ circuit_breakers: { retry_budget: { budget_percent: 120 } } }, 'budget_percent'],
    [{ failure_rate_breaker: { sliding_window_type: 'SLIDING' } }, 'sliding_window_type'],
    [{ failure_rate_breaker: { failure_rate_threshold: 0.5, wait_duration_in_open: '0s' } }, 'wait_duration_in_open'],
    [{ outlier_detection: { max_ejection_percent: 101 } }, 'max_ejection_percent'],
    [{ outlier_detection: { consecutive_5xx: 0 } }, 'consecutive_5xx'],
    [{ health_check: { path: '/h', interval: '5s', unhealthy_threshold: 1, healthy_threshold: 1 } }, 'health_check.timeout'],
    [{ healthy_panic_threshold: -1 }, 'healthy_panic_threshold'],
    [{ state_sync: { snapshot_ttl: 'soon' } }, 'snapshot_ttl'],
  ])('rejects %j', (extra, path) => {
    const r = validateConfig(withCluster(extra), filters)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues.map((i) => i.path).join(' ')).toContain(path)
  })

  it('rejects an invalid retry policy on a route, with its path', () => {
    const r = validateConfig(withCluster({}, { retry_policy: { retry_on: 'sometimes' } }), filters)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[0]!.path).toContain('forward.retry_policy.retry_on')
  })
})
