/** Gateway-wide totals (issue 14 §4): every data-plane reply counted by status class and as local or proxied. */
import { createExecutionContext, reset, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import type { Env } from '../../src/env.ts'
import { DEFAULT_OBSERVABILITY, type StatsSettings } from '../../src/observability/config.ts'
import { readGatewayStats } from '../../src/observability/read.ts'
import { CORE_STATS, DOWNSTREAM } from '../../src/observability/stat-names.ts'
import { makeGateway, publish, testEnv, type TestGateway, upstreams } from '../support/gateway.ts'

afterEach(() => reset())

const SETTINGS: StatsSettings = { ...DEFAULT_OBSERVABILITY.stats, flush_interval: 1000 }

const table = () => ({
  observability: { stats: { flush_interval: '1s' }, access_log: { enabled: false } },
  http_filters: [
    { name: 'api_key', config: {}, disabled: true },
    {
      name: 'rate_limit',
      disabled: true,
      config: { domain: 'totals', rate_limits: [{ name: 'one', actions: [{ remote_address: {} }], mode: 'local', token_bucket: { max_tokens: 1, fill_interval: '1h' } }] },
    },
  ],
  clusters: [
    { name: 'echo', endpoints: [{ url: upstreams().echo[0] }] },
    { name: 'down', endpoints: [{ url: upstreams().refused }] },
  ],
  virtual_hosts: [
    {
      name: 'v',
      domains: ['*'],
      routes: [
        { name: 'echo', match: { prefix: '/echo/' }, forward: { cluster: 'echo' } },
        { name: 'down', match: { exact: '/down' }, forward: { cluster: 'down' } },
        { name: 'moved', match: { exact: '/moved' }, redirect: { path_redirect: '/here', response_code: 301 } },
        { name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body: 'hi' } },
        { name: 'locked', match: { exact: '/locked' }, direct_response: { status: 200 }, filters: { api_key: true } },
        { name: 'limited', match: { exact: '/limited' }, direct_response: { status: 200 }, filters: { rate_limit: true } },
      ],
    },
  ],
})

/** A STATS namespace that counts the Durable Object calls the data plane makes. */
function countingStats(calls: { n: number }): Env {
  const real = testEnv.STATS
  const STATS = {
    getByName(name: string) {
      const stub = real.getByName(name)
      return {
        flush(batch: unknown) {
          calls.n++
          return stub.flush(batch as never)
        },
        snapshot: () => stub.snapshot(),
      }
    },
  }
  return { ...testEnv, STATS } as unknown as Env
}

async function send(gw: TestGateway, env: Env, path: string): Promise<number> {
  const ctx = createExecutionContext()
  const res = await gw.gateway.fetch(new Request(`http://gw.test${path}`), env, ctx)
  await res.arrayBuffer()
  await waitOnExecutionContext(ctx)
  return res.status
}

describe('gateway-wide totals', () => {
  it('count no-route 404s, redirects, direct responses, filter rejections and upstream failures as local, upstream answers as proxied', async () => {
    await publish(table())
    const gw = makeGateway()
    const calls = { n: 0 }
    const env = countingStats(calls)
    const statuses: number[] = []
    for (const path of ['/echo/a', '/echo/b', '/nowhere', '/nowhere', '/moved', '/hello', '/locked', '/limited', '/limited', '/down'])
      statuses.push(await send(gw, env, path))
    expect(statuses).toEqual([200, 200, 404, 404, 301, 200, 401, 200, 429, 503])
    // Ten requests inside one flush_interval: no Durable Object call on the request path (the clock stands still).
    expect(calls.n).toBe(0)

    expect((await gw.gateway.flusher.flush(env, SETTINGS)).ok).toBe(true)
    expect(calls.n).toBe(1)
    const c = (await readGatewayStats(testEnv, makeGateway().gateway.flusher, SETTINGS)).snapshot.counters
    expect({
      total: c[DOWNSTREAM.total],
      proxied: c[DOWNSTREAM.proxied],
      local: c[DOWNSTREAM.local],
      noRoute: c[DOWNSTREAM.noRoute],
      classes: DOWNSTREAM.classes.slice(1).map((name) => c[name] ?? 0),
    }).toEqual({ total: 10, proxied: 2, local: 8, noRoute: 2, classes: [0, 4, 1, 4, 1] })
  })

  it('stay exact under load with at most one Durable Object call per flush_interval', async () => {
    await publish(table())
    const gw = makeGateway()
    const calls = { n: 0 }
    const env = countingStats(calls)
    for (let i = 0; i < 40; i++) {
      await send(gw, env, i % 2 ? '/echo/x' : '/nowhere')
      gw.clock.now += 100 // 40 requests over 4 s, flush_interval 1 s
    }
    expect(calls.n).toBeGreaterThanOrEqual(3)
    expect(calls.n).toBeLessThanOrEqual(4)
    await gw.gateway.flusher.flush(testEnv, SETTINGS)
    const c = (await readGatewayStats(testEnv, makeGateway().gateway.flusher, SETTINGS)).snapshot.counters
    expect([c[DOWNSTREAM.total], c[DOWNSTREAM.proxied], c[DOWNSTREAM.local], c[DOWNSTREAM.noRoute]]).toEqual([40, 20, 20, 20])
  })

  it('are core stats: /stats lists them at 0 before any traffic', () => {
    expect(CORE_STATS).toEqual(expect.arrayContaining([DOWNSTREAM.local, DOWNSTREAM.proxied, DOWNSTREAM.noRoute, ...DOWNSTREAM.classes.slice(1)]))
  })
})
