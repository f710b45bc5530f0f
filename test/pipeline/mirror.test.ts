import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { BUILTIN_FILTERS } from '../../src/filters/registry.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { sampled, shadowHost } from '../../src/upstream/request/mirror.ts'
import { echoOf, makeGateway, publish, testEnv, upstreams } from '../support/gateway.ts'
import { attemptsOf, counter, newKey } from '../resilience/helpers.ts'

/** Primary cluster `p` on echo-a; the mirror cluster `m` on echo-b (or `mirror`); one catch-all route. */
function table(policy: Record<string, unknown> = {}, opts: { mirror?: string; forward?: Record<string, unknown> } = {}) {
  const { echo } = upstreams()
  return {
    gateway: { refresh_interval: '1h' },
    clusters: [
      { name: 'p', endpoints: [{ url: echo[0] }] },
      { name: 'm', endpoints: [{ url: opts.mirror ?? echo[1] }] },
    ],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [{ name: 'r', match: { prefix: '/' }, forward: { cluster: 'p', request_mirror_policies: [{ cluster: 'm', ...policy }], ...opts.forward } }],
      },
    ],
  }
}

const behave = (b: string, init: RequestInit = {}) => ({ ...init, headers: { 'x-upstream-behavior': b, ...(init.headers as Record<string, string>) } })

/** Sends one request; returns the response at once and a promise of the request's background work. */
async function send(gw: ReturnType<typeof makeGateway>, path: string, init: RequestInit) {
  const ctx = createExecutionContext()
  const res = await gw.gateway.fetch(new Request(`http://api.example.com${path}`, init), testEnv, ctx)
  return { res, settled: waitOnExecutionContext(ctx) }
}

describe('request mirroring (request_mirror_policies)', () => {
  it('sends a copy to the mirror cluster with the host suffixed -shadow, and the primary answers unaltered', async () => {
    const key = newKey()
    await publish(table())
    const gw = makeGateway()
    const { res, settled } = await send(gw, '/a?q=1', behave(`key=${key}`))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-a')
    expect((await echoOf(res)).url).toBe('/a?q=1')
    await settled
    const seen = (await attemptsOf(key)).seen
    expect(seen).toHaveLength(2)
    expect(seen.find((s) => s.server === 'echo-a')?.forwardedHost).toBe('api.example.com')
    expect(seen.find((s) => s.server === 'echo-b')?.forwardedHost).toBe('api.example.com-shadow')
    expect(counter(gw, 'cluster.m.shadow_rq_total')).toBe(1)
    expect(counter(gw, 'cluster.m.shadow_rq_2xx')).toBe(1)
    expect(counter(gw, 'cluster.p.upstream_rq_total')).toBe(1)
    expect(counter(gw, 'cluster.m.upstream_rq_total')).toBe(0)
  })

  it('keeps the host with disable_shadow_host_suffix_append', async () => {
    const key = newKey()
    await publish(table({ disable_shadow_host_suffix_append: true }))
    const gw = makeGateway()
    const { settled } = await send(gw, '/', behave(`key=${key}`))
    await settled
    expect((await attemptsOf(key)).seen.find((s) => s.server === 'echo-b')?.forwardedHost).toBe('api.example.com')
  })

  it('answers before a mirror that never answers, which then times out and is counted', async () => {
    const key = newKey()
    await publish(table({}, { forward: { timeout: '400ms' } }))
    const gw = makeGateway()
    const { res, settled } = await send(gw, '/', behave(`hang;on=echo-b;key=${key}`))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-a')
    await res.arrayBuffer()
    expect(counter(gw, 'cluster.m.shadow_rq_failure')).toBe(0) // the mirror is still out
    await settled
    expect(counter(gw, 'cluster.m.shadow_rq_failure')).toBe(1)
    expect((await attemptsOf(key)).byServer['echo-b']).toBe(1)
  })

  it('counts a mirror that refuses connections, and one that answers 503; the primary is unaffected', async () => {
    await publish(table({}, { mirror: upstreams().refused }))
    const gw = makeGateway()
    const down = await send(gw, '/', {})
    expect(down.res.status).toBe(200)
    await down.settled
    expect(counter(gw, 'cluster.m.shadow_rq_failure')).toBe(1)

    await publish(table())
    const gw2 = makeGateway()
    const err = await send(gw2, '/', behave('status=503;on=echo-b'))
    expect(err.res.status).toBe(200)
    expect(err.res.headers.get('x-legate-response-flags')).toBeNull()
    await err.settled
    expect(counter(gw2, 'cluster.m.shadow_rq_5xx')).toBe(1)
    expect(counter(gw2, 'cluster.m.shadow_rq_failure')).toBe(0)
  })

  it('mirrors a body within the buffer limit; the primary still gets it with its Content-Length', async () => {
    const key = newKey()
    await publish(table({ per_request_buffer_limit_bytes: 4096 }))
    const gw = makeGateway()
    const body = 'z'.repeat(3000)
    const { res, settled } = await send(gw, '/up', behave(`key=${key}`, { method: 'POST', body, headers: { 'content-length': '3000' } }))
    const e = await echoOf(res)
    expect(e.body, JSON.stringify(e)).toBe(body)
    expect(e.headers['content-length']).toBe('3000')
    await settled
    expect((await attemptsOf(key)).seen.map((s) => [s.server, s.bodyBytes]).sort()).toEqual([['echo-a', 3000], ['echo-b', 3000]])
  })

  it('mirrors a body buffered for retries as well', async () => {
    const key = newKey()
    const retry_policy = { retry_on: '5xx', num_retries: 1, retry_non_idempotent: true }
    await publish(table({}, { forward: { retry_policy } }))
    const gw = makeGateway()
    const { res, settled } = await send(gw, '/', behave(`key=${key}`, { method: 'PUT', body: 'abc', headers: { 'content-length': '3' } }))
    expect((await echoOf(res)).body).toBe('abc')
    await settled
    expect((await attemptsOf(key)).seen.map((s) => s.bodyBytes)).toEqual([3, 3])
  })

  it('does not mirror a body over the limit or of unknown length, counts it, and streams the primary', async () => {
    const key = newKey()
    await publish(table({ per_request_buffer_limit_bytes: 100 }))
    const gw = makeGateway()
    const big = await send(gw, '/', behave(`key=${key}`, { method: 'POST', body: 'y'.repeat(1000), headers: { 'content-length': '1000' } }))
    expect((await echoOf(big.res)).bodyBytes).toBe(1000)
    await big.settled
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('chunk'))
        c.close()
      },
    })
    const chunked = await send(gw, '/', behave(`key=${key}`, { method: 'POST', body: stream }))
    expect((await echoOf(chunked.res)).body).toBe('chunk')
    await chunked.settled
    expect((await attemptsOf(key)).seen.map((s) => s.server)).toEqual(['echo-a', 'echo-a'])
    expect(counter(gw, 'cluster.m.retry_or_shadow_abandoned')).toBe(2)
    expect(counter(gw, 'cluster.m.shadow_rq_total')).toBe(0)
  })

  it('reads and drops the mirror response, so the mirror cluster’s keep-alive connection is reused', async () => {
    const origin = inject('cacheOrigin')
    const connections = async () => ((await (await fetch(`${origin}/__origin/connections`)).json()) as { connections: number }).connections
    await publish(table({}, { mirror: origin }))
    const gw = makeGateway()
    await (await send(gw, `/${newKey()}`, {})).settled
    const before = await connections()
    for (let i = 0; i < 6; i++) {
      const { res, settled } = await send(gw, `/${newKey()}`, {})
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      await settled
    }
    // A cancelled mirror body would close its connection: one new connection per mirrored request.
    expect(counter(gw, 'cluster.m.shadow_rq_2xx')).toBe(7)
    expect((await connections()) - before).toBeLessThanOrEqual(1)
  })

  it('mirrors the share of requests runtime_fraction says', async () => {
    const key = newKey()
    await publish(table({ runtime_fraction: 0 }))
    const gw = makeGateway()
    for (let i = 0; i < 5; i++) await (await send(gw, '/', behave(`key=${key}`))).settled
    expect((await attemptsOf(key)).byServer['echo-b']).toBeUndefined()

    const half = newKey()
    await publish(table({ runtime_fraction: 50 }))
    const gw2 = makeGateway()
    for (let i = 0; i < 60; i++) await (await send(gw2, '/', behave(`key=${half}`))).settled
    const mirrored = (await attemptsOf(half)).byServer['echo-b'] ?? 0
    expect(mirrored).toBeGreaterThan(10) // binomial(60, 0.5): outside 11..49 once in ~10^7 runs
    expect(mirrored).toBeLessThan(50)
    expect(counter(gw2, 'cluster.m.shadow_rq_total')).toBe(mirrored)
  })

  it('suffixes the host before the port, and samples by the draw', () => {
    expect(shadowHost('cluster1')).toBe('cluster1-shadow')
    expect(shadowHost('api.example.com:8443')).toBe('api.example.com-shadow:8443')
    expect(shadowHost('[::1]:8080')).toBe('[::1]-shadow:8080')
    expect(sampled(100, 0.999)).toBe(true)
    expect(sampled(0, 0)).toBe(false)
    expect(sampled(25, 0.24)).toBe(true)
    expect(sampled(25, 0.25)).toBe(false)
  })

  it('refuses a mirror cluster that does not exist', () => {
    const t = table()
    t.virtual_hosts[0]!.routes[0]!.forward.request_mirror_policies[0]!.cluster = 'nope'
    const r = validateConfig(t, BUILTIN_FILTERS)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('virtual_hosts[0].routes[0].forward.request_mirror_policies[0].cluster')
  })
})
