import { describe, expect, it } from 'vitest'
import { parseTraceparent } from '../../src/observability/tracing.ts'
import { publish, upstreams } from '../support/gateway.ts'
import { accessLines, gatewayWith } from './_gateway.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'

describe('parseTraceparent (W3C Trace Context)', () => {
  it.each([
    [`00-${TRACE}-${PARENT}-01`, { traceId: TRACE, parentId: PARENT, flags: '01' }],
    [`00-${TRACE}-${PARENT}-00`, { traceId: TRACE, parentId: PARENT, flags: '00' }],
    [` 00-${TRACE}-${PARENT}-09 `, { traceId: TRACE, parentId: PARENT, flags: '01' }],
    [`01-${TRACE}-${PARENT}-01-what-the-future-holds`, { traceId: TRACE, parentId: PARENT, flags: '01' }],
  ])('accepts %s', (value, parsed) => {
    expect(parseTraceparent(value)).toEqual(parsed)
  })

  it.each([
    ['a missing header', null],
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['version 00 with extra fields', `00-${TRACE}-${PARENT}-01-extra`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['garbage', 'hello'],
  ])('refuses %s', (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined()
  })
})

const table = (tracing: Record<string, unknown> = {}) => ({
  observability: { tracing, access_log: { enabled: false } },
  clusters: [{ name: 'echo', endpoints: [{ url: upstreams().echo[0] }] }],
  virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'echo', match: { prefix: '/' }, forward: { cluster: 'echo' } }] }],
})

const upstreamSaw = async (gw: ReturnType<typeof gatewayWith>, headers: Record<string, string> = {}) => {
  const { res, body } = await gw.fetch('/x', { headers })
  expect(res.status).toBe(200)
  return { res, headers: (JSON.parse(body) as { headers: Record<string, string> }).headers }
}
const parts = (traceparent: string | undefined) => traceparent?.split('-') ?? []

describe('trace context through the gateway', () => {
  it('continues a valid traceparent: same trace id and flags, a new parent id, tracestate passed on', async () => {
    await publish(table())
    const { headers } = await upstreamSaw(gatewayWith(), { traceparent: `00-${TRACE}-${PARENT}-00`, tracestate: 'vendor=abc,other=1' })
    const [version, trace, parent, flags] = parts(headers.traceparent)
    expect([version, trace, flags]).toEqual(['00', TRACE, '00'])
    expect(parent).toMatch(/^[0-9a-f]{16}$/)
    expect(parent).not.toBe(PARENT)
    expect(headers.tracestate).toBe('vendor=abc,other=1')
  })

  it('starts a sampled trace when there is none or it is invalid, and drops the orphan tracestate', async () => {
    await publish(table())
    const gw = gatewayWith()
    const fresh = await upstreamSaw(gw)
    const invalid = await upstreamSaw(gw, { traceparent: `ff-${TRACE}-${PARENT}-01`, tracestate: 'vendor=abc' })
    for (const { headers } of [fresh, invalid]) {
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      expect(parts(headers.traceparent)[1]).not.toBe(TRACE)
      expect(headers.tracestate).toBeUndefined()
    }
    expect(parts(fresh.headers.traceparent)[1]).not.toBe(parts(invalid.headers.traceparent)[1])
  })

  it('marks started traces sampled per sample_percent', async () => {
    await publish(table({ sample_percent: 25 }))
    const gw = gatewayWith([0.2, 0.3])
    expect(parts((await upstreamSaw(gw)).headers.traceparent)[3]).toBe('01')
    expect(parts((await upstreamSaw(gw)).headers.traceparent)[3]).toBe('00')
  })

  it('adds Server-Timing when asked, and leaves a client traceparent untouched when tracing is off', async () => {
    await publish(table({ server_timing: true }))
    const { res } = await upstreamSaw(gatewayWith())
    expect(res.headers.get('server-timing')).toMatch(/^gateway;dur=\d+(\.\d+)?, upstream;dur=\d+(\.\d+)?$/)
    await publish(table({ enabled: false }))
    const off = await upstreamSaw(gatewayWith(), { traceparent: `00-${TRACE}-${PARENT}-01` })
    expect(off.headers.traceparent).toBe(`00-${TRACE}-${PARENT}-01`)
    expect(off.res.headers.get('server-timing')).toBeNull()
  })

  it('logs the trace id the upstream saw', async () => {
    await publish({ ...table(), observability: {} })
    let seen = ''
    const lines = await accessLines(async () => {
      seen = parts((await upstreamSaw(gatewayWith(), { traceparent: `00-${TRACE}-${PARENT}-01` })).headers.traceparent)[1]!
    })
    expect(seen).toBe(TRACE)
    expect(lines[0]!.trace_id).toBe(TRACE)
  })
})
