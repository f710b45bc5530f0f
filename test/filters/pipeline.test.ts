// The five built-in filters through the real gateway (pipeline, sanitizing, forward) against the echo upstream.
import { afterEach, describe, expect, it } from 'vitest'
import { setRandomSource } from '../../src/filters/fault/index.ts'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'

const APP = 'https://app.test'

function table(echo: string) {
  return {
    http_filters: [
      { name: 'request_id', config: { also_as: ['x-correlation-id'] } },
      { name: 'cors', config: { allow_origin_string_match: [{ exact: APP }], allow_methods: 'GET, PUT', expose_headers: 'x-request-id' } },
      {
        name: 'header_mutation',
        config: {
          request_mutations: [{ append: { header: { key: 'x-client', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } } }],
          response_mutations: [{ remove: 'x-upstream' }, { append: { header: { key: 'x-route', value: '%ROUTE_NAME%' } } }],
        },
      },
      { name: 'fault', config: { abort: { header_abort: true }, delay: { header_delay: true } } },
      { name: 'body_limit', config: { max_request_bytes: 1024 } },
    ],
    clusters: [{ name: 'echo', endpoints: [{ url: echo }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [{ name: 'all', match: { prefix: '/' }, forward: { cluster: 'echo', timeout: '300ms' } }],
      },
    ],
  }
}

async function gateway() {
  await publish(table(upstreams().echo[0]))
  return makeGateway()
}

afterEach(() => setRandomSource())

describe('built-in filters in the pipeline', () => {
  it('forward a plain request with the id copied, headers mutated and echoed back', async () => {
    const res = await (await gateway()).fetch('/hello', { headers: { 'cf-connecting-ip': '198.51.100.4' } })
    expect(res.status).toBe(200)
    const id = res.headers.get('x-request-id')
    const echo = await echoOf(res.clone())
    expect(echo.headers['x-correlation-id']).toBe(id)
    expect(echo.headers['x-client']).toBe('198.51.100.4')
    expect(res.headers.get('x-route')).toBe('all')
    expect(res.headers.has('x-upstream')).toBe(false)
    expect(res.headers.get('vary')).toContain('Origin')
  })

  it('answer an allowed preflight locally; earlier filters (request_id) still see the response', async () => {
    const res = await (await gateway()).fetch('/hello', {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'PUT' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, PUT')
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('abort through the fault headers, with CORS headers on the problem and flag FI', async () => {
    const res = await (await gateway()).fetch('/hello', { headers: { origin: APP, 'x-envoy-fault-abort-request': '503' } })
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(((await res.json()) as { code: string }).code).toBe('ERR_FAULT_ABORT')
    expect(res.headers.get('x-legate-response-flags')).toBe('FI')
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
  })

  it('delay through the fault headers and raise DI', async () => {
    const res = await (await gateway()).fetch('/hello', { headers: { 'x-envoy-fault-delay-request': '5' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-legate-response-flags')).toBe('DI')
  })

  it('answer 413 for a declared Content-Length over the limit', async () => {
    const res = await (await gateway()).fetch('/upload', {
      method: 'POST',
      body: 'x'.repeat(2048),
      headers: { 'content-length': '2048' },
    })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { code: string }).code).toBe('ERR_BODY_TOO_LARGE')
  })

  // Without an abort hook in the pipeline (see body_limit), the over-limit upload stalls until the route timeout.
  it('answer 413 for a streamed body over the limit, and pass one within it', async () => {
    const stream = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes; i += 512) c.enqueue(new Uint8Array(Math.min(512, bytes - i)))
          c.close()
        },
      })
    const gw = await gateway()
    const small = await gw.fetch('/upload', { method: 'POST', body: stream(1000) })
    expect((await echoOf(small)).bodyBytes).toBe(1000)
    const big = await gw.fetch('/upload', { method: 'POST', body: stream(4096) })
    expect(big.status).toBe(413)
    expect(((await big.json()) as { code: string }).code).toBe('ERR_BODY_TOO_LARGE')
  })
})
