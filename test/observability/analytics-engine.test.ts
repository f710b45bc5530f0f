// Issue 6: an optional Workers Analytics Engine sink, one data point per request in a fixed layout.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import type { RequestFacts } from '../../src/observability/access-log.ts'
import { ANALYTICS_ENGINE_LAYOUT, ANALYTICS_ENGINE_STATS, toDataPoint, truncateUtf8 } from '../../src/observability/analytics.ts'
import { publish, testEnv, upstreams } from '../support/gateway.ts'
import { gatewayWith, observedTable } from './_gateway.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`
const LONG_ROUTE = `r-${'x'.repeat(118)}`

const table = (analytics: Record<string, unknown> | null = { enabled: true }) =>
  observedTable({ access_log: { enabled: false }, ...(analytics ? { analytics_engine: analytics } : {}) }, [
    { name: LONG_ROUTE, match: { exact: '/long' }, direct_response: { status: 200, body: 'long' } },
  ])

/** A stand-in dataset that keeps what it is given (Miniflare's simulator discards points). */
function recordingDataset() {
  const points: AnalyticsEngineDataPoint[] = []
  return { points, writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) }
}

/** A point's blobs and doubles by their layout names. */
const named = (p: AnalyticsEngineDataPoint) => ({
  index: p.indexes?.[0],
  blobs: Object.fromEntries(ANALYTICS_ENGINE_LAYOUT.blobs.map((n, i) => [n, p.blobs?.[i]])),
  doubles: Object.fromEntries(ANALYTICS_ENGINE_LAYOUT.doubles.map((n, i) => [n, p.doubles?.[i]])),
})

const warnings = () => vi.spyOn(console, 'warn').mockImplementation(() => {})
afterEach(() => vi.restoreAllMocks())

describe('analytics_engine sink', () => {
  it('writes one point per proxied request: index, 13 blobs and 6 doubles in the documented positions', async () => {
    await publish(table())
    const ds = recordingDataset()
    const gw = gatewayWith([], { ...testEnv, ANALYTICS: ds })
    const { res, body } = await gw.fetch('/echo/things?secret=1', {
      method: 'POST',
      body: 'hello',
      headers: { 'content-length': '5', 'cf-connecting-ip': '198.51.100.9', traceparent: TRACEPARENT },
    })
    expect(res.status).toBe(200)
    const requestId = (JSON.parse(body) as { headers: Record<string, string> }).headers['x-request-id']!
    expect(ds.points).toHaveLength(1)
    const point = ds.points[0]!
    expect(point.indexes).toEqual(['main/echo'])
    expect(point.blobs).toEqual(['main', 'echo', 'echo', 'POST', '/echo/things', '200', '-', new URL(upstreams().echo[0]!).host, requestId, TRACE, '198.51.100.9', '', ''])
    const upstreamMs = point.doubles![2]!
    expect(upstreamMs).toBeGreaterThanOrEqual(0)
    // bytes_sent is -1: the gateway never copies Content-Length (the runtime frames the body), as in the access log.
    expect(point.doubles).toEqual([200, 0, upstreamMs, 1, 5, -1])
    expect(res.headers.get('content-length')).toBeNull()
    expect(named(point).doubles).toMatchObject({ status: 200, attempt_count: 1, bytes_received: 5 })
    expect(gw.counter(ANALYTICS_ENGINE_STATS.points)).toBe(1)
  })

  it('carries request.cf country and protocol', async () => {
    await publish(table())
    const ds = recordingDataset()
    const gw = gatewayWith([], { ...testEnv, ANALYTICS: ds })
    await gw.fetch('/hello', { cf: { country: 'DE', httpProtocol: 'HTTP/2' } } as RequestInit)
    expect(named(ds.points[0]!).blobs).toMatchObject({ country: 'DE', protocol: 'HTTP/2', route: 'hello', cluster: '', upstream_host: '' })
  })

  it('writes a local reply with no route: index "-", flag NR, -1 for what is unknown', async () => {
    await publish(table())
    const ds = recordingDataset()
    const gw = gatewayWith([], { ...testEnv, ANALYTICS: ds })
    const { res } = await gw.fetch('/nowhere', { headers: { traceparent: TRACEPARENT } })
    expect(res.status).toBe(404)
    expect(ds.points).toEqual([
      {
        indexes: ['-'],
        blobs: ['', '', '', 'GET', '/nowhere', '404', 'NR', '', res.headers.get('x-request-id'), TRACE, '127.0.0.1', '', ''],
        doubles: [404, 0, -1, 0, -1, -1],
      },
    ])
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('samples successes by sample_percent and writes every error when always_write_errors', async () => {
    await publish(table({ enabled: true, sample_percent: 10 }))
    const ds = recordingDataset()
    // Success draws: 0.05 (written), 0.1 (not: must be below 10%); errors draw nothing.
    const gw = gatewayWith([0.05, 0.1], { ...testEnv, ANALYTICS: ds })
    for (const path of ['/hello', '/nowhere', '/hello', '/down']) await gw.fetch(path)
    expect(ds.points.map((p) => [p.doubles?.[0], p.blobs?.[6]])).toEqual([
      [200, '-'],
      [404, 'NR'],
      [503, 'UF'],
    ])
  })

  it('with sample_percent 0 writes no success but every 4xx and 5xx; without always_write_errors nothing', async () => {
    await publish(table({ enabled: true, sample_percent: 0 }))
    const ds = recordingDataset()
    const gw = gatewayWith([], { ...testEnv, ANALYTICS: ds })
    for (const path of ['/hello', '/nowhere', '/down']) await gw.fetch(path)
    expect(ds.points.map((p) => p.doubles?.[0])).toEqual([404, 503])

    await publish(table({ enabled: true, sample_percent: 0, always_write_errors: false }))
    const none = recordingDataset()
    const gw2 = gatewayWith([], { ...testEnv, ANALYTICS: none })
    for (const path of ['/hello', '/nowhere', '/down']) await gw2.fetch(path)
    expect(none.points).toEqual([])
  })

  it('writes nothing when disabled (the default)', async () => {
    for (const analytics of [null, { enabled: false }]) {
      await publish(table(analytics))
      const ds = recordingDataset()
      const gw = gatewayWith([], { ...testEnv, ANALYTICS: ds })
      expect((await gw.fetch('/hello')).res.status).toBe(200)
      expect((await gw.fetch('/nowhere')).res.status).toBe(404)
      expect(ds.points).toEqual([])
      expect([...gw.gateway.stats.counters.keys()].filter((k) => k.startsWith('observability.'))).toEqual([])
    }
  })

  it('skips the point when the binding is missing or not a dataset: the request succeeds, one warning, a counter', async () => {
    const warn = warnings()
    await publish(table({ enabled: true, binding: 'NOPE' }))
    const gw = gatewayWith([], { ...testEnv })
    for (let i = 0; i < 3; i++) expect((await gw.fetch('/hello')).res.status).toBe(200)
    expect(gw.counter(ANALYTICS_ENGINE_STATS.missingBinding)).toBe(3)
    expect(gw.counter(ANALYTICS_ENGINE_STATS.points)).toBeUndefined()
    expect(warn).toHaveBeenCalledTimes(1)
    const line = JSON.parse(String(warn.mock.calls[0]![0])) as { level: string; msg: string; binding: string }
    expect(line.level).toBe('warn')
    expect(line.binding).toBe('NOPE')
    expect(line.msg).toContain('[[analytics_engine_datasets]] binding = "NOPE" dataset = "legate_requests"')
    expect(line.msg).toContain('wrangler.toml')

    // A binding of another kind (the admin token, a string) is not a dataset either.
    await publish(table({ enabled: true, binding: 'ADMIN_TOKEN' }))
    const gw2 = gatewayWith([], testEnv)
    expect((await gw2.fetch('/hello')).res.status).toBe(200)
    expect(gw2.counter(ANALYTICS_ENGINE_STATS.missingBinding)).toBe(1)
    expect(warn).toHaveBeenCalledTimes(2)
  })

  it('counts a writeDataPoint that throws and still answers', async () => {
    const warn = warnings()
    await publish(table())
    const gw = gatewayWith([], {
      ...testEnv,
      ANALYTICS: {
        writeDataPoint() {
          throw new Error('too many data points')
        },
      },
    })
    expect((await gw.fetch('/hello')).res.status).toBe(200)
    expect((await gw.fetch('/hello')).res.status).toBe(200)
    expect(gw.counter(ANALYTICS_ENGINE_STATS.writeFailed)).toBe(2)
    expect(gw.counter(ANALYTICS_ENGINE_STATS.points)).toBeUndefined()
    expect(warn).toHaveBeenCalledTimes(1)
    expect(JSON.parse(String(warn.mock.calls[0]![0]))).toMatchObject({ level: 'warn', binding: 'ANALYTICS', error: 'too many data points' })
  })

  it('cuts a long index to 96 bytes', async () => {
    await publish(table())
    const ds = recordingDataset()
    await gatewayWith([], { ...testEnv, ANALYTICS: ds }).fetch('/long')
    expect(ds.points[0]!.indexes).toEqual([`main/${LONG_ROUTE}`.slice(0, 96)])
    expect(ds.points[0]!.blobs?.[1]).toBe(LONG_ROUTE)
  })

  it('writes through the local simulator binding (Miniflare discards the point)', async () => {
    const warn = warnings()
    await publish(table())
    expect(typeof (testEnv.ANALYTICS as AnalyticsEngineDataset).writeDataPoint).toBe('function')
    const gw = gatewayWith([], testEnv)
    expect((await gw.fetch('/hello')).res.status).toBe(200)
    expect(gw.counter(ANALYTICS_ENGINE_STATS.points)).toBe(1)
    expect(gw.counter(ANALYTICS_ENGINE_STATS.missingBinding)).toBeUndefined()
    expect(gw.counter(ANALYTICS_ENGINE_STATS.writeFailed)).toBeUndefined()
    expect(warn).not.toHaveBeenCalled()
  })
})

describe('analytics_engine data point limits', () => {
  const facts = (over: Partial<RequestFacts>): RequestFacts => ({
    start_time: '2026-11-26T12:00:00.000Z',
    method: 'GET',
    authority: 'gw.test',
    path: '/',
    protocol: null,
    status: 200,
    response_flags: '-',
    vhost: 'v',
    route: 'r',
    cluster: null,
    upstream_host: null,
    attempt_count: 0,
    duration_ms: 1,
    upstream_duration_ms: null,
    bytes_received: null,
    bytes_sent: null,
    request_id: 'id',
    trace_id: null,
    client_address: '127.0.0.1',
    user_agent: null,
    config_version: 1,
    country: null,
    ...over,
  })
  const utf8 = (s: string) => new TextEncoder().encode(s).length

  it('cuts a multibyte index at 96 UTF-8 bytes, between characters', () => {
    // "v/" is 2 bytes; each "ル" is 3: 31 of them make 95 bytes, a 32nd would make 98.
    const index = toDataPoint(facts({ route: 'ル'.repeat(60) })).indexes[0]
    expect(index).toBe(`v/${'ル'.repeat(31)}`)
    expect(utf8(index)).toBe(95)
    // 4-byte characters (surrogate pairs) are never split: 2 + 23 × 4 = 94, a 24th would make 98.
    expect(truncateUtf8(`v/${'😀'.repeat(40)}`, 96)).toBe(`v/${'😀'.repeat(23)}`)
    expect(truncateUtf8('é'.repeat(48), 96)).toBe('é'.repeat(48))
    expect(truncateUtf8('é'.repeat(49), 96)).toBe('é'.repeat(48))
  })

  it('cuts each blob at 256 characters (the path included), keeping the blobs far below 16 KB', () => {
    const point = toDataPoint(facts({ path: `/${'p'.repeat(400)}`, client_address: `a${'😀'.repeat(200)}` }))
    expect(point.blobs[4]).toBe(`/${'p'.repeat(255)}`)
    // 256 code units end in the middle of the 128th pair: it is dropped whole.
    expect(point.blobs[10]).toBe(`a${'😀'.repeat(127)}`)
    expect(point.blobs).toHaveLength(ANALYTICS_ENGINE_LAYOUT.blobs.length)
    expect(point.doubles).toEqual([200, 1, -1, 0, -1, -1])
  })

  it('keeps the worst case (every text blob 256 three-byte characters) under the 16 KB per point', () => {
    const long = 'ル'.repeat(1000)
    const text = Object.fromEntries(ANALYTICS_ENGINE_LAYOUT.blobs.filter((n) => n !== 'status').map((n) => [n, long]))
    const blobs = toDataPoint(facts(text)).blobs
    // 12 text blobs × 256 × 3 bytes, plus "200".
    expect(blobs.reduce((n, b) => n + utf8(b), 0)).toBe(12 * 768 + 3)
    expect(12 * 768 + 3).toBeLessThan(16 * 1024)
  })
})

describe('analytics_engine settings', () => {
  it('rejects a bad binding name and an out-of-range sample_percent, with their paths', () => {
    const result = validateConfig(table({ enabled: true, binding: 'analytics-engine', sample_percent: 101 }), createRegistry())
    expect(result.ok).toBe(false)
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual(['observability.analytics_engine.binding', 'observability.analytics_engine.sample_percent'])
  })

  it('defaults to disabled, binding ANALYTICS, every request, every error', () => {
    const result = validateConfig(table(null), createRegistry())
    expect(result.ok && result.config.observability.analytics_engine).toEqual({ enabled: false, binding: 'ANALYTICS', sample_percent: 100, always_write_errors: true })
  })
})
