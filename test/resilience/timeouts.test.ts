import { describe, expect, it } from 'vitest'
import { makeGateway, publish, upstreams } from '../support/gateway.ts'
import { attemptsOf, behave, counter, newKey, problemOf, table } from './helpers.ts'

const policy = (o: Record<string, unknown> = {}) => ({ retry_policy: { retry_on: '5xx', num_retries: 3, retry_back_off: { base_interval: '1ms' }, ...o } })

describe('timeouts and back-off', () => {
  it('abandons an attempt at per_try_timeout and retries it elsewhere', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ per_try_timeout: '50ms' }) }))
    const gw = makeGateway()
    const t = Date.now()
    const res = await gw.fetch('/x', behave(`hang;fail-times=1;key=${key}`))
    expect(res.status).toBe(200)
    expect(Date.now() - t).toBeLessThan(1000)
    expect((await attemptsOf(key)).attempts).toBe(2)
    expect(counter(gw, 'cluster.c.upstream_rq_per_try_timeout')).toBe(1)
  })

  it('answers 504 UT, URX when every attempt times out', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ per_try_timeout: '30ms', num_retries: 1 }) }))
    const res = await makeGateway().fetch('/x', behave(`hang;key=${key}`))
    expect(res.status).toBe(504)
    expect(res.headers.get('x-legate-response-flags')).toBe('UT,URX')
    expect((await problemOf(res)).code).toBe('ERR_UPSTREAM_TIMEOUT')
    expect((await attemptsOf(key)).attempts).toBe(2)
  })

  it('lets the route timeout cover every attempt: no retry starts after it, 504 UT', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: { timeout: '200ms', ...policy({ per_try_timeout: '50ms', num_retries: 10 }) } }))
    const gw = makeGateway()
    const t = Date.now()
    const res = await gw.fetch('/x', behave(`hang;key=${key}`))
    const took = Date.now() - t
    expect(res.status).toBe(504)
    expect(res.headers.get('x-legate-response-flags')).toBe('UT')
    expect(took).toBeGreaterThanOrEqual(190)
    expect(took).toBeLessThan(1000)
    // 50 ms per try within 200 ms: at most 4 attempts, the last one cut by the route timeout (not 11).
    const { attempts } = await attemptsOf(key)
    expect(attempts).toBeGreaterThanOrEqual(3)
    expect(attempts).toBeLessThanOrEqual(4)
    expect(counter(gw, 'cluster.c.upstream_rq_timeout')).toBe(1)
  })

  it('keeps the per-try timeout to the headers: a slow body is not cut by it', async () => {
    await publish(table(upstreams().echo, { forward: policy({ per_try_timeout: '50ms' }) }))
    const res = await makeGateway().fetch('/x', behave('slow=150'))
    expect(res.status).toBe(200)
    expect((await res.json()) as object).toHaveProperty('server')
  })

  it('waits a fully jittered exponential back-off between attempts, within its bounds', async () => {
    const key = newKey()
    // base 40 ms: the 1st retry waits < 40 ms, the 2nd < 120 ms; 2 retries take at most ~160 ms of back-off.
    await publish(table(upstreams().echo, { forward: policy({ num_retries: 2, retry_back_off: { base_interval: '40ms' } }) }))
    const gw = makeGateway()
    const t = Date.now()
    expect((await gw.fetch('/x', behave(`fail-times=9;key=${key}`))).status).toBe(503)
    expect(Date.now() - t).toBeLessThan(160 + 400)
    expect(counter(gw, 'cluster.c.upstream_rq_retry_backoff_exponential')).toBe(2)
  })

  it('honours Retry-After (rate-limited back-off) when it fits the cap and the route timeout', async () => {
    const key = newKey()
    const rl = { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after' }], max_interval: '5s' } }
    await publish(table(upstreams().echo, { forward: policy({ num_retries: 1, ...rl }) }))
    const gw = makeGateway()
    const t = Date.now()
    expect((await gw.fetch('/x', behave(`retry-after=1;fail-times=1;key=${key}`))).status).toBe(200)
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000)
    expect(counter(gw, 'cluster.c.upstream_rq_retry_backoff_ratelimited')).toBe(1)
  })

  it('does not wait a Retry-After longer than the route timeout allows: the answer comes back as is', async () => {
    const key = newKey()
    const rl = { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after' }] } }
    await publish(table(upstreams().echo, { forward: { timeout: '1s', ...policy({ num_retries: 1, ...rl }) } }))
    const t = Date.now()
    const res = await makeGateway().fetch('/x', behave(`retry-after=30;fail-times=1;key=${key}`))
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('30')
    expect(Date.now() - t).toBeLessThan(500)
    expect((await attemptsOf(key)).attempts).toBe(1)
  })

  it('falls back to exponential back-off when Retry-After is over max_interval', async () => {
    const key = newKey()
    const rl = { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after' }], max_interval: '2s' } }
    await publish(table(upstreams().echo, { forward: policy({ num_retries: 1, ...rl }) }))
    const t = Date.now()
    expect((await makeGateway().fetch('/x', behave(`retry-after=60;fail-times=1;key=${key}`))).status).toBe(200)
    expect(Date.now() - t).toBeLessThan(500)
  })

  it('hedges on per-try timeout: the first good answer wins and the slow attempt is aborted', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ per_try_timeout: '40ms', hedge_on_per_try_timeout: true, num_retries: 1 }) }))
    const gw = makeGateway()
    const t = Date.now()
    const res = await gw.fetch('/x', behave(`delay=2000;on=echo-a;key=${key}`))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-b')
    expect(Date.now() - t).toBeLessThan(1000)
    const seen = await attemptsOf(key)
    expect(seen.byServer).toEqual({ 'echo-a': 1, 'echo-b': 1 })
    expect(seen.maxInFlight).toBe(2)
    // Not counted as a per-try timeout when hedging (Envoy).
    expect(counter(gw, 'cluster.c.upstream_rq_per_try_timeout')).toBe(0)
    expect(counter(gw, 'cluster.c.upstream_rq_retry')).toBe(1)
  })

  it('hedging: the original attempt can still win when it answers first', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ per_try_timeout: '40ms', hedge_on_per_try_timeout: true, num_retries: 1 }) }))
    const res = await makeGateway().fetch('/x', behave(`delay=80;on=echo-a,echo-b;key=${key}`))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-a')
  })
})
