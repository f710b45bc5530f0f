import { describe, expect, it } from 'vitest'
import { makeGateway, publish, upstreams } from '../support/gateway.ts'
import { attemptsOf, behave, counter, newKey, problemOf, table } from './helpers.ts'

const policy = { retry_policy: { retry_on: '5xx', num_retries: 3, retry_back_off: { base_interval: '1ms' } } }

describe('circuit-breaker thresholds and the retry budget (per isolate)', () => {
  it('answers the 3rd of 3 concurrent slow calls with 503 UO at once when max_requests is 2', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { cluster: { circuit_breakers: { max_requests: 2 } } }))
    const gw = makeGateway()
    await gw.fetch('/warm-up') // loads the config
    const slow = [gw.fetch('/a', behave(`delay=200;key=${key}`)), gw.fetch('/b', behave(`delay=200;key=${key}`))]
    const t = Date.now()
    const third = await gw.fetch('/c', behave(`delay=200;key=${key}`))
    expect(Date.now() - t).toBeLessThan(150)
    expect(third.status).toBe(503)
    expect(third.headers.get('x-envoy-overloaded')).toBe('true')
    expect(third.headers.get('x-legate-response-flags')).toBe('UO')
    expect((await problemOf(third)).code).toBe('ERR_UPSTREAM_OVERFLOW')
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200])
    expect((await attemptsOf(key)).attempts).toBe(2)
    expect(counter(gw, 'cluster.c.upstream_rq_pending_overflow')).toBe(1)
    // The slots are free again.
    expect((await gw.fetch('/d')).status).toBe(200)
  })

  it('never has more than max_retries (default 3) retries in flight under a flood of failures', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy }))
    const gw = makeGateway()
    const n = 20
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => gw.fetch(`/f${i}`, behave(`delay=40;status=503;key=${key}`))))
    expect(replies.every((r) => r.status === 503)).toBe(true)
    const seen = await attemptsOf(key)
    expect(seen.maxRetriesInFlight).toBeLessThanOrEqual(3)
    expect(counter(gw, 'cluster.c.upstream_rq_retry_overflow')).toBeGreaterThan(0)
    // Without the breaker every request would make 4 attempts.
    expect(seen.attempts).toBeLessThan(n * 4)
    expect(seen.attempts).toBe(n + counter(gw, 'cluster.c.upstream_rq_retry'))
  })

  it('caps concurrent retries at budget_percent of active requests (min_retry_concurrency floor)', async () => {
    const key = newKey()
    const breakers = { circuit_breakers: { retry_budget: { budget_percent: 20, min_retry_concurrency: 2 } } }
    await publish(table(upstreams().echo, { cluster: breakers, forward: policy }))
    const gw = makeGateway()
    const n = 30
    await Promise.all(Array.from({ length: n }, (_, i) => gw.fetch(`/f${i}`, behave(`delay=40;status=503;key=${key}`))))
    const seen = await attemptsOf(key)
    // 20% of 30 active requests: at most 6 retries at once, however the timing falls.
    expect(seen.maxRetriesInFlight).toBeLessThanOrEqual(6)
    expect(seen.maxRetriesInFlight).toBeGreaterThan(0)
    expect(counter(gw, 'cluster.c.upstream_rq_retry_overflow')).toBeGreaterThan(0)
    expect(seen.attempts).toBe(n + counter(gw, 'cluster.c.upstream_rq_retry'))
  })

  it('releases every slot: after the flood, a lone request retries again', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy }))
    const gw = makeGateway()
    await Promise.all(Array.from({ length: 10 }, (_, i) => gw.fetch(`/f${i}`, behave(`delay=20;status=503;key=${newKey()}`))))
    expect((await gw.fetch('/x', behave(`fail-times=3;key=${key}`))).status).toBe(200)
    expect((await attemptsOf(key)).attempts).toBe(4)
  })
})
