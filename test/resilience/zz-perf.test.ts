import { expect, it } from 'vitest'
import { makeGateway, publish, upstreams } from '../support/gateway.ts'
it('perf', { timeout: 300_000 }, async () => {
  const { echo } = upstreams()
  const variants: Record<string, { cluster: Record<string, unknown>; retry?: Record<string, unknown> }> = {
    plain: { cluster: {} },
    retry: { cluster: {}, retry: { retry_on: '5xx,reset', num_retries: 2 } },
    pertry: { cluster: {}, retry: { retry_on: '5xx,reset', num_retries: 2, per_try_timeout: '2s' } },
    outlier: { cluster: { outlier_detection: {} } },
    breaker: { cluster: { failure_rate_breaker: {} } },
    full: { cluster: { circuit_breakers: { retry_budget: {} }, failure_rate_breaker: {}, outlier_detection: {} }, retry: { retry_on: '5xx,reset', num_retries: 2, per_try_timeout: '2s' } },
  }
  const names = Object.keys(variants)
  await publish({
    clusters: names.map((n) => ({ name: n, endpoints: [{ url: echo[0] }], ...variants[n]!.cluster })),
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: names.map((n) => ({ match: { prefix: `/${n}/` }, forward: { cluster: n, timeout: '0s', ...(variants[n]!.retry ? { retry_policy: variants[n]!.retry } : {}) } })) }],
  })
  const gw = makeGateway()
  for (const n of names) await gw.fetchAndSettle(`/${n}/warm`)
  const total: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]))
  for (let round = 0; round < 30; round++) {
    const order = round % 2 ? names : [...names].reverse()
    for (const name of order) {
      const t = performance.now()
      await Promise.all(Array.from({ length: 25 }, async () => { for (let i = 0; i < 4; i++) await (await gw.fetch(`/${name}/api`)).arrayBuffer() }))
      total[name]! += performance.now() - t
    }
  }
  console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, (total.plain! / total[n]!).toFixed(2)]))))
  expect(1).toBe(1)
})
