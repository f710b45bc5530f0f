import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { makeGateway, publish, upstreams } from '../support/gateway.ts'
import { admin, json } from './_helpers.ts'

afterEach(() => reset())

const table = () => ({
  observability: { access_log: { enabled: false } },
  clusters: [
    { name: 'api.v1', endpoints: [{ url: upstreams().echo[0] }] },
    { name: 'edge.eu', endpoints: [{ url: upstreams().echo[1] }] },
  ],
  virtual_hosts: [
    {
      name: 'main',
      domains: ['*'],
      routes: [
        { name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body: 'hi' } },
        { name: 'gone.v2', match: { exact: '/gone' }, direct_response: { status: 410 } },
        { name: 'api', match: { prefix: '/api/' }, forward: { cluster: 'api.v1' } },
      ],
    },
  ],
})

async function traffic() {
  await publish(table())
  const gw = makeGateway()
  for (let i = 0; i < 6; i++) await (await gw.fetch('/hello')).text()
  for (let i = 0; i < 2; i++) await (await gw.fetch('/gone')).text()
  for (let i = 0; i < 3; i++) await (await gw.fetch('/api/x')).text()
  await (await gw.fetch('/nowhere')).text()
  return gw
}

describe('GET /__legate/stats', () => {
  it('shows exact gateway-wide counters, histogram percentiles and config stats after a flush', async () => {
    const gw = await traffic()
    const other = makeGateway() // another isolate reads: it sees what the first one flushed
    await admin(gw, '/stats')
    const body = await json(await admin(other, '/stats'))
    expect(body.counters).toMatchObject({
      'http.downstream_rq_total': 12,
      'http.downstream_rq_2xx': 9,
      'http.downstream_rq_4xx': 3,
      'http.no_route': 1,
      'vhost.main.route.hello.upstream_rq_total': 6,
      'vhost.main.route.gone.v2.upstream_rq_4xx': 2,
      'config.update_success': 2,
    })
    expect(body.gauges['config.version']).toBeGreaterThan(0)
    expect(body.histograms['http.downstream_rq_time']).toMatchObject({ count: 12, p50: expect.any(Number), p99: expect.any(Number), p999: expect.any(Number) })
    expect(body.supported_quantiles).toEqual([50, 90, 99, 99.9])
    expect(body.shards).toEqual({ total: 4, failed: [] })
  })

  it('filters by regex and, with usedonly, drops stats never written', async () => {
    const gw = await traffic()
    const filtered = await json(await admin(gw, '/stats?filter=^http\\.downstream_rq_[0-9]xx$'))
    expect(Object.keys(filtered.counters).sort()).toEqual(['http.downstream_rq_1xx', 'http.downstream_rq_2xx', 'http.downstream_rq_3xx', 'http.downstream_rq_4xx', 'http.downstream_rq_5xx'])
    expect(filtered.counters['http.downstream_rq_5xx']).toBe(0)
    expect(filtered.histograms).toEqual({})
    const used = await json(await admin(gw, '/stats?usedonly&filter=^http\\.downstream_rq_[0-9]xx$'))
    expect(used.counters).toEqual({ 'http.downstream_rq_2xx': 9, 'http.downstream_rq_4xx': 3 })
  })

  it('lists the non-empty buckets of each histogram with histogram_buckets=disjoint', async () => {
    const gw = await traffic()
    const body = await json(await admin(gw, '/stats?usedonly&histogram_buckets=disjoint&filter=^http\\.downstream_rq_time$'))
    const h = body.histograms['http.downstream_rq_time']
    expect(h.buckets.reduce((n: number, [, c]: [number, number]) => n + c, 0)).toBe(h.count)
    expect(h.buckets.map(([b]: [number]) => b)).toEqual([...h.buckets.map(([b]: [number]) => b)].sort((a, b) => a - b))
    expect(await (await admin(gw, '/stats?format=prometheus&filter=^http\\.no_route$')).text()).toBe('# TYPE legate_http_no_route counter\nlegate_http_no_route 1\n')
  })

  it('answers 400 with the issue for an invalid filter regex or format', async () => {
    const gw = makeGateway()
    const bad = await admin(gw, '/stats?filter=(')
    expect(bad.status).toBe(400)
    expect(await json(bad)).toMatchObject({ code: 'ERR_BAD_REQUEST', issues: [{ path: 'filter', message: expect.stringContaining('invalid regex "("') }] })
    // The filter is RE2 (Envoy), matched in linear time: constructs it lacks are refused with the reason.
    const lookahead = await admin(gw, `/stats?filter=${encodeURIComponent('^http(?=x)')}`)
    expect(await json(lookahead)).toMatchObject({ issues: [{ path: 'filter', message: expect.stringContaining('lookahead (?=…) is not supported') }] })
    expect((await admin(gw, '/stats?format=xml')).status).toBe(400)
  })
})

describe('GET /__legate/stats/prometheus', () => {
  it('is text format 0.0.4 that an independent parser reads, with labels and cumulative histogram buckets', async () => {
    const gw = await traffic()
    const res = await admin(gw, '/stats/prometheus')
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    const families = parsePrometheusTextFormat(text)
    const byName = new Map(families.map((f) => [f.name, f]))
    expect(families.length).toBe(byName.size) // one TYPE block per family
    expect(text.match(/^# TYPE /gm)!.length).toBe(families.length)

    const total = byName.get('legate_http_downstream_rq_total')!
    expect(total.type).toBe('COUNTER')
    expect(total.metrics[0]!.value).toBe('12')
    const classes = byName.get('legate_http_downstream_rq_xx')!
    const used = classes.metrics.filter((m) => m.value !== '0')
    expect(used.map((m) => [m.labels!.response_code_class, m.value]).sort()).toEqual([['2xx', '9'], ['4xx', '3']])
    const route = byName.get('legate_vhost_route_upstream_rq_total')!
    expect(route.metrics.find((m) => m.labels!.route === 'gone.v2')).toMatchObject({ labels: { virtual_host: 'main', route: 'gone.v2' }, value: '2' })

    const time = byName.get('legate_http_downstream_rq_time')!
    expect(time.type).toBe('HISTOGRAM')
    const h = time.metrics[0]!
    expect(h.count).toBe('12')
    const buckets = Object.entries(h.buckets!)
      .map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), Number(n)] as const)
      .sort((a, b) => a[0] - b[0])
    expect(buckets.length).toBe(20)
    for (let i = 1; i < buckets.length; i++) {
      expect(buckets[i]![0]).toBeGreaterThan(buckets[i - 1]![0])
      expect(buckets[i]![1]).toBeGreaterThanOrEqual(buckets[i - 1]![1])
    }
    expect(buckets.at(-1)).toEqual([Infinity, 12])
  })

  it('splits cluster names with dots using the live config (cluster_name="edge.eu")', async () => {
    const gw = await traffic()
    // Record cluster stats as the upstream code does (no route uses edge.eu), then read them through Prometheus.
    gw.gateway.stats.counter('cluster.edge.eu.upstream_rq_503', 2)
    gw.gateway.stats.histogram('cluster.edge.eu.upstream_rq_time', 12)
    const families = parsePrometheusTextFormat(await (await admin(gw, '/stats/prometheus?usedonly')).text())
    const rq = families.find((f) => f.name === 'legate_cluster_upstream_rq')!
    expect(rq.metrics).toContainEqual({ labels: { cluster_name: 'edge.eu', response_code: '503' }, value: '2' })
    // (The parser drops the labels of histogram series; the text carries them.)
    const text = await (await admin(gw, '/stats/prometheus?filter=^cluster\\.edge')).text()
    expect(text).toContain('legate_cluster_upstream_rq_time_count{cluster_name="edge.eu"} 1\n')
    const time = parsePrometheusTextFormat(text).find((f) => f.name === 'legate_cluster_upstream_rq_time')!
    expect(time.metrics[0]!.buckets!['25']).toBe('1')
    expect(time.metrics[0]!.buckets!['10']).toBe('0')
  })
})
