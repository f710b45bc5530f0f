import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'
import { attemptsOf, behave, counter, newKey, problemOf, table } from './helpers.ts'

const policy = (o: Record<string, unknown> = {}) => ({ retry_policy: { retry_on: '5xx', num_retries: 3, retry_back_off: { base_interval: '1ms' }, ...o } })

describe('retries (Envoy retry policy)', () => {
  it('retries a 503 until it succeeds: exactly 3 attempts for 2 failures, attempt count upstream', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy() }))
    const gw = makeGateway()
    const res = await gw.fetch('/x', behave(`fail-times=2;key=${key}`))
    expect(res.status).toBe(200)
    const seen = await attemptsOf(key)
    expect(seen.attempts).toBe(3)
    expect(seen.attemptCounts).toEqual(['1', '2', '3'])
    expect(counter(gw, 'cluster.c.upstream_rq_retry')).toBe(2)
    expect(counter(gw, 'cluster.c.upstream_rq_retry_success')).toBe(1)
    expect(counter(gw, 'cluster.c.upstream_rq_503')).toBe(2)
    expect(counter(gw, 'cluster.c.upstream_rq_2xx')).toBe(1)
    expect(counter(gw, 'cluster.c.upstream_rq_total')).toBe(3)
  })

  it('returns the last upstream answer as is when retries run out, with flag URX (Envoy)', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ num_retries: 2 }) }))
    const gw = makeGateway()
    const res = await gw.fetch('/x', behave(`fail-times=5;key=${key}`))
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('x-legate-response-flags')).toBe('URX')
    expect((await echoOf(res)).headers['x-envoy-attempt-count']).toBe('3')
    expect((await attemptsOf(key)).attempts).toBe(3)
    expect(counter(gw, 'cluster.c.upstream_rq_retry_limit_exceeded')).toBe(1)
  })

  it('sends a retry to an endpoint not tried yet (previous_hosts)', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ num_retries: 2 }) }))
    const res = await makeGateway().fetch('/x', behave(`fail-times=2;key=${key}`))
    expect(res.status).toBe(200)
    expect((await attemptsOf(key)).byServer).toEqual({ 'echo-a': 1, 'echo-b': 1, 'echo-c': 1 })
  })

  it('makes one attempt without a retry policy, and the 503 comes back as is', async () => {
    const key = newKey()
    await publish(table(upstreams().echo))
    const res = await makeGateway().fetch('/x', behave(`fail-times=1;key=${key}`))
    expect(res.status).toBe(503)
    expect(res.headers.get('x-legate-response-flags')).toBeNull()
    const seen = await attemptsOf(key)
    expect(seen.attempts).toBe(1)
    expect(seen.attemptCounts).toEqual([null])
  })

  it('takes the virtual host policy when the route has none, and a route policy replaces it entirely', async () => {
    const key = newKey()
    const t = table(upstreams().echo, { vhost: policy({ num_retries: 2 }) })
    await publish(t)
    await makeGateway().fetch('/x', behave(`fail-times=9;key=${key}`))
    expect((await attemptsOf(key)).attempts).toBe(3)
    const key2 = newKey()
    await publish(table(upstreams().echo, { vhost: policy({ num_retries: 2 }), forward: { retry_policy: { retry_on: 'reset' } } }))
    await makeGateway().fetch('/x', behave(`fail-times=9;key=${key2}`))
    expect((await attemptsOf(key2)).attempts).toBe(1)
  })

  it('retries only what retry_on names: gateway-error skips a 500, retriable-status-codes takes a 429', async () => {
    const k500 = newKey()
    await publish(table(upstreams().echo, { forward: policy({ retry_on: 'gateway-error' }) }))
    expect((await makeGateway().fetch('/x', behave(`status=500;fail-times=1;key=${k500}`))).status).toBe(500)
    expect((await attemptsOf(k500)).attempts).toBe(1)
    const k429 = newKey()
    await publish(table(upstreams().echo, { forward: policy({ retry_on: 'retriable-status-codes', retriable_status_codes: [429] }) }))
    expect((await makeGateway().fetch('/x', behave(`status=429;fail-times=1;key=${k429}`))).status).toBe(200)
    expect((await attemptsOf(k429)).attempts).toBe(2)
  })

  it('retries a reset before the response on another endpoint', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ retry_on: 'reset' }) }))
    const res = await makeGateway().fetch('/x', behave(`reset;on=echo-a;key=${key}`))
    expect(res.status).toBe(200)
    expect((await attemptsOf(key)).byServer).toEqual({ 'echo-a': 1, 'echo-b': 1 })
  })

  it('retries a refused connection (connect-failure) on the next endpoint', async () => {
    const { refused, echo } = upstreams()
    await publish(table([refused, echo[1]], { forward: policy({ retry_on: 'connect-failure' }) }))
    const gw = makeGateway()
    const res = await gw.fetch('/x')
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-b')
    expect(counter(gw, 'cluster.c.upstream_cx_connect_fail')).toBe(1)
  })

  it('answers 503 ERR_RETRY_LIMIT (UF, URX) when every attempt was refused', async () => {
    await publish(table([upstreams().refused], { forward: policy({ retry_on: 'connect-failure', num_retries: 2 }) }))
    const gw = makeGateway()
    const res = await gw.fetch('/x')
    expect(res.status).toBe(503)
    expect(res.headers.get('x-legate-response-flags')).toBe('UF,URX')
    const body = await problemOf(res)
    expect(body.code).toBe('ERR_RETRY_LIMIT')
    expect(body.detail).toContain('after 3 attempts')
    expect(counter(gw, 'cluster.c.upstream_rq_total')).toBe(3)
  })

  it('does not retry POST unless retry_non_idempotent', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy() }))
    const res = await makeGateway().fetch('/x', { method: 'POST', body: 'hi', ...behave(`fail-times=1;key=${key}`) })
    expect(res.status).toBe(503)
    expect((await attemptsOf(key)).attempts).toBe(1)
  })

  it('replays a buffered body on every attempt', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ retry_non_idempotent: true }) }))
    const body = 'x'.repeat(10_000)
    const headers = { 'x-upstream-behavior': `fail-times=2;key=${key}`, 'content-length': '10000' }
    const res = await makeGateway().fetch('/x', { method: 'POST', body, headers })
    expect(res.status).toBe(200)
    const e = await echoOf(res)
    expect(e.bodyBytes).toBe(10_000)
    expect(e.body).toBe(body)
    expect((await attemptsOf(key)).attempts).toBe(3)
  })

  it('sends a body over the buffer limit once, does not retry it, and counts it', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ retry_non_idempotent: true, per_request_buffer_limit_bytes: 1024 }) }))
    const gw = makeGateway()
    const res = await gw.fetch('/x', { method: 'PUT', body: 'y'.repeat(2048), headers: { 'x-upstream-behavior': `fail-times=1;key=${key}`, 'content-length': '2048' } })
    expect(res.status).toBe(503)
    expect((await echoOf(res)).bodyBytes).toBe(2048)
    expect((await attemptsOf(key)).attempts).toBe(1)
    expect(counter(gw, 'cluster.c.retry_or_shadow_abandoned')).toBe(1)
  })

  it('sends a body of unknown length once (streamed, not buffered)', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy() }))
    const gw = makeGateway()
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('chunk'))
        c.close()
      },
    })
    const res = await gw.fetch(new Request('http://gw.test/x', { method: 'PUT', body: stream, ...behave(`fail-times=1;key=${key}`) }))
    expect(res.status).toBe(503)
    expect((await echoOf(res)).body).toBe('chunk')
    expect((await attemptsOf(key)).attempts).toBe(1)
    expect(counter(gw, 'cluster.c.retry_or_shadow_abandoned')).toBe(1)
  })

  it('tells the client the attempt count when include_attempt_count_in_response', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ include_attempt_count_in_response: true }) }))
    const res = await makeGateway().fetch('/x', behave(`fail-times=1;key=${key}`))
    expect(res.headers.get('x-envoy-attempt-count')).toBe('2')
  })

  it('sends no attempt count upstream when include_request_attempt_count is off', async () => {
    const key = newKey()
    await publish(table(upstreams().echo, { forward: policy({ include_request_attempt_count: false }) }))
    await makeGateway().fetch('/x', behave(`fail-times=1;key=${key}`))
    expect((await attemptsOf(key)).attemptCounts).toEqual([null, null])
  })
})
