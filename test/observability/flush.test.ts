import { createExecutionContext, reset, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import type { Env } from '../../src/env.ts'
import { statsShardName } from '../../src/observability/aggregate.ts'
import { DEFAULT_OBSERVABILITY, type StatsSettings } from '../../src/observability/config.ts'
import { readGatewayStats } from '../../src/observability/read.ts'
import { makeGateway, publish, testEnv, type TestGateway } from '../support/gateway.ts'

afterEach(() => reset())

const table = (stats: Record<string, unknown> = {}) => ({
  observability: { stats: { flush_interval: '1s', ...stats }, access_log: { enabled: false } },
  virtual_hosts: [
    {
      name: 'v',
      domains: ['*'],
      routes: [
        { name: 'ok', match: { exact: '/ok' }, direct_response: { status: 200, body: 'ok' } },
        { name: 'bad', match: { exact: '/bad' }, direct_response: { status: 503 } },
      ],
    },
  ],
})

const SETTINGS: StatsSettings = { ...DEFAULT_OBSERVABILITY.stats, flush_interval: 1000 }

/** A STATS namespace that counts calls and can fail them: before the shard sees the batch, or after (reply lost). */
function flakyStats(mode: { fail?: 'before' | 'after'; calls: number }): Env {
  const real = testEnv.STATS
  const STATS = {
    getByName(name: string) {
      const stub = real.getByName(name)
      return {
        async flush(batch: unknown) {
          mode.calls++
          if (mode.fail === 'before') throw new Error('network error before the shard')
          const result = await stub.flush(batch as never)
          if (mode.fail === 'after') throw new Error('reply lost')
          return result
        },
        snapshot: () => stub.snapshot(),
      }
    },
  }
  return { ...testEnv, STATS } as unknown as Env
}

async function send(gw: TestGateway, env: Env, path: string) {
  const ctx = createExecutionContext()
  const res = await gw.gateway.fetch(new Request(`http://gw.test${path}`), env, ctx)
  await res.arrayBuffer()
  await waitOnExecutionContext(ctx)
  return res
}

const total = async () => (await readGatewayStats(testEnv, makeGateway().gateway.flusher, SETTINGS)).snapshot

describe('stats flush to the sharded Stats Durable Objects', () => {
  it('after N requests and a flush, the counters sum to exactly N across isolates and shards', async () => {
    await publish(table())
    const isolates = [makeGateway(), makeGateway(), makeGateway(), makeGateway(), makeGateway()]
    let n = 0
    for (const [i, gw] of isolates.entries())
      for (let k = 0; k < 7 + i * 3; k++, n++) await send(gw, testEnv, k % 4 === 0 ? '/bad' : '/ok')
    for (const gw of isolates) expect(await gw.gateway.flusher.flush(testEnv, SETTINGS)).toEqual({ ok: true, sent: true })
    const s = await total()
    expect(s.counters['http.downstream_rq_total']).toBe(n)
    expect((s.counters['http.downstream_rq_2xx'] ?? 0) + (s.counters['http.downstream_rq_5xx'] ?? 0)).toBe(n)
    expect(s.counters['vhost.v.route.bad.upstream_rq_5xx']).toBe(s.counters['http.downstream_rq_5xx'])
    expect(s.histograms['http.downstream_rq_time']!.count).toBe(n)
    // The isolates spread over the shards: more than one shard holds data.
    const shards = await Promise.all([0, 1, 2, 3].map((i) => testEnv.STATS.getByName(statsShardName(i)).snapshot()))
    expect(shards.filter((r) => r.snapshot.counters['http.downstream_rq_total']).length).toBeGreaterThan(1)
  })

  it('resends a batch whose call failed, and a shard applies a resent batch once (reply lost ⇒ no double count)', async () => {
    await publish(table())
    const gw = makeGateway()
    const before = { calls: 0, fail: 'before' as const }
    for (let i = 0; i < 5; i++) await send(gw, testEnv, '/ok')
    expect((await gw.gateway.flusher.flush(flakyStats(before), SETTINGS)).ok).toBe(false)
    for (let i = 0; i < 3; i++) await send(gw, testEnv, '/ok')
    const after = { calls: 0, fail: 'after' as const }
    expect((await gw.gateway.flusher.flush(flakyStats(after), SETTINGS)).ok).toBe(false)
    expect(await gw.gateway.flusher.flush(testEnv, SETTINGS)).toMatchObject({ ok: true })
    const s = await total()
    expect(s.counters['http.downstream_rq_total']).toBe(8)
    expect(s.counters['stats.flush_failed']).toBe(2)
  })

  it('flushes in waitUntil at most once per flush_interval per isolate', async () => {
    await publish(table())
    const gw = makeGateway()
    const mode = { calls: 0 }
    const env = flakyStats(mode)
    for (let i = 0; i < 50; i++) {
      await send(gw, env, '/ok')
      gw.clock.now += 100 // 50 requests over 5 s
    }
    expect(mode.calls).toBeGreaterThanOrEqual(4)
    expect(mode.calls).toBeLessThanOrEqual(5)
    await gw.gateway.flusher.flush(testEnv, SETTINGS)
    expect((await total()).counters['http.downstream_rq_total']).toBe(50)
  })

  it('flushes early once flush_threshold_requests were recorded (the loss bound of an evicted isolate)', async () => {
    await publish(table({ flush_threshold_requests: 10, flush_interval: '1h' }))
    const gw = makeGateway()
    const mode = { calls: 0 }
    const env = flakyStats(mode)
    for (let i = 0; i < 25; i++) await send(gw, env, '/ok')
    expect(mode.calls).toBe(2)
    // If the isolate were evicted now, it would lose the 5 requests since its last flush (< the threshold).
    expect((await total()).counters['http.downstream_rq_total']).toBe(20)
  })

  it('records and flushes nothing with stats.enabled: false', async () => {
    await publish(table({ enabled: false }))
    const gw = makeGateway()
    const mode = { calls: 0 }
    for (let i = 0; i < 5; i++) {
      await send(gw, flakyStats(mode), '/ok')
      gw.clock.now += 1_000
    }
    expect(mode.calls).toBe(0)
    expect([...gw.gateway.stats.counters.keys()].filter((k) => k.startsWith('http.') || k.startsWith('vhost.'))).toEqual([])
  })

  it('refuses a malformed batch with a result object, and ignores a seq it already applied', async () => {
    const shard = testEnv.STATS.getByName('stats-test')
    const batch = { source: 'iso-1', seq: 1, at: 1, delta: { counters: { c: 2 }, gauges: { g: 1 }, histograms: {} } }
    expect(await shard.flush(batch)).toEqual({ ok: true, applied: true })
    expect(await shard.flush(batch)).toEqual({ ok: true, applied: false })
    expect(await shard.flush({ ...batch, seq: 2 })).toEqual({ ok: true, applied: true })
    expect(await shard.flush({ ...batch, seq: 0 } as never)).toMatchObject({ ok: false, code: 'ERR_STATS_BATCH_INVALID' })
    expect(await shard.flush({ ...batch, seq: 3, delta: { counters: { c: 'x' } } } as never)).toMatchObject({ ok: false })
    expect((await shard.snapshot()).snapshot.counters).toEqual({ c: 4 })
  })
})
