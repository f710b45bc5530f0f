import { describe, expect, it } from 'vitest'
import { ACCESS_LOG_FIELDS } from '../../src/observability/config.ts'
import { echoOf, publish, upstreams } from '../support/gateway.ts'
import { accessLines, gatewayWith, observedTable } from './_gateway.ts'

const table = (accessLog: Record<string, unknown> = {}) => observedTable({ access_log: accessLog })

describe('access log', () => {
  it('writes one JSON line per request with Envoy fields, in the documented order', async () => {
    await publish(table())
    const gw = gatewayWith()
    let echo: Awaited<ReturnType<typeof echoOf>> | undefined
    const lines = await accessLines(async () => {
      const { res, body } = await gw.fetch('/echo/things?secret=1', {
        method: 'POST',
        body: 'hello',
        headers: { 'cf-connecting-ip': '198.51.100.9', 'user-agent': 'test-agent', 'content-length': '5' },
      })
      expect(res.status).toBe(200)
      echo = JSON.parse(body)
    })
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(Object.keys(line)).toEqual(['level', 'msg', ...ACCESS_LOG_FIELDS])
    expect(line).toMatchObject({
      start_time: '2026-11-26T12:00:00.000Z',
      method: 'POST',
      authority: 'gw.test',
      path: '/echo/things',
      status: 200,
      response_flags: '-',
      vhost: 'main',
      route: 'echo',
      cluster: 'echo',
      upstream_host: new URL(upstreams().echo[0]).host,
      attempt_count: 1,
      duration_ms: expect.any(Number),
      upstream_duration_ms: expect.any(Number),
      bytes_received: 5,
      request_id: echo!.headers['x-request-id'],
      client_address: '198.51.100.9',
      user_agent: 'test-agent',
    })
    expect(line.trace_id).toBe(echo!.headers.traceparent!.split('-')[1])
    expect(JSON.stringify(line)).not.toContain('secret=1')
  })

  it('carries the response flags of local replies and failed upstreams', async () => {
    await publish(table())
    const gw = gatewayWith()
    const lines = await accessLines(async () => {
      await gw.fetch('/down')
      await gw.fetch('/nowhere')
    })
    expect(lines.map((l) => [l.status, l.response_flags, l.route, l.cluster])).toEqual([
      [503, 'UF', 'down', null],
      [404, 'NR', null, null],
    ])
  })

  it('logs every error and a sample of successes (sample_successes_percent)', async () => {
    await publish(table({ sample_successes_percent: 10 }))
    // Success draws: 0.05 (logged), 0.5, 0.09 (logged), 0.1 (not: must be below 10%); errors draw nothing.
    const gw = gatewayWith([0.05, 0.5, 0.09, 0.1])
    const lines = await accessLines(async () => {
      for (const path of ['/hello', '/hello', '/nowhere', '/hello', '/down', '/hello']) await gw.fetch(path)
    })
    expect(lines.map((l) => l.status)).toEqual([200, 404, 200, 503])
  })

  it('samples errors too when always_log_errors is off, and writes nothing when disabled', async () => {
    await publish(table({ sample_successes_percent: 0, always_log_errors: false }))
    expect(await accessLines(async () => void (await gatewayWith().fetch('/nowhere')))).toEqual([])
    await publish(table({ enabled: false }))
    expect(await accessLines(async () => void (await gatewayWith().fetch('/hello')))).toEqual([])
  })

  it('writes only the configured fields', async () => {
    await publish(table({ fields: ['route', 'status'] }))
    const lines = await accessLines(async () => void (await gatewayWith().fetch('/hello')))
    expect(lines).toEqual([{ level: 'info', msg: 'access', status: 200, route: 'hello' }])
    // In the documented field order, not the configured one.
    expect(Object.keys(lines[0]!)).toEqual(['level', 'msg', 'status', 'route'])
  })

  it('writes a configured field without a value as null, never leaves it out', async () => {
    await publish(table({ fields: ['cluster', 'upstream_host', 'status'] }))
    const lines = await accessLines(async () => void (await gatewayWith().fetch('/nowhere')))
    expect(lines).toEqual([{ level: 'info', msg: 'access', status: 404, cluster: null, upstream_host: null }])
    expect(Object.keys(lines[0]!)).toEqual(['level', 'msg', 'status', 'cluster', 'upstream_host'])
  })

  it('rejects unknown fields and out-of-range percentages in the route table', async () => {
    const { validateConfig } = await import('../../src/snapshot/validate.ts')
    const { createRegistry } = await import('../../src/filters/registry.ts')
    const result = validateConfig({ ...table({ fields: ['nope'], sample_successes_percent: 101 }) }, createRegistry())
    expect(result.ok).toBe(false)
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual(['observability.access_log.fields[0]', 'observability.access_log.sample_successes_percent'])
  })
})
