import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, simpleConfig, upstreams } from '../support/gateway.ts'

describe('forwarding to a real upstream', () => {
  it('answers 503 ERR_NO_CONFIG with how to push one when nothing was ever pushed', async () => {
    const gw = makeGateway()
    const res = await gw.fetch('/anything')
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const body = (await res.json()) as Record<string, string>
    expect(body.code).toBe('ERR_NO_CONFIG')
    expect(body.detail).toContain('legate push')
    expect(body.request_id).toBe(res.headers.get('x-request-id'))
    expect(res.headers.get('x-legate-response-flags')).toBe('NFCF')
  })

  it('streams method, path, query and body to the endpoint and the answer back', async () => {
    const { echo } = upstreams()
    await publish(simpleConfig([echo[0]]))
    const gw = makeGateway()
    const res = await gw.fetch('/a/b?x=1&y=%20', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('echo-a')
    const e = await echoOf(res)
    expect(e.method).toBe('POST')
    expect(e.url).toBe('/a/b?x=1&y=%20')
    expect(e.body).toBe('hello')
    expect(e.headers['content-type']).toBe('text/plain')
  })

  it('removes hop-by-hop headers both ways and sets the forwarding headers from the trusted peer', async () => {
    const { echo } = upstreams()
    await publish(simpleConfig([echo[0]]))
    const gw = makeGateway()
    const res = await gw.fetch('http://api.example.com/h', {
      headers: {
        connection: 'keep-alive, x-secret, x-forwarded-for',
        'x-secret': 'drop me',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'gzip',
        'x-forwarded-for': '203.0.113.128, 203.0.113.10',
        'x-forwarded-proto': 'https',
        'x-request-id': 'client-chosen',
        'cf-connecting-ip': '192.0.2.5',
        'x-envoy-upstream-rq-timeout-ms': '1',
        'x-legate-internal': 'spoofed',
        'x-original-url': '/admin',
      },
    })
    const e = await echoOf(res)
    for (const h of ['x-secret', 'keep-alive', 'proxy-connection', 'te', 'x-envoy-upstream-rq-timeout-ms', 'x-legate-internal', 'x-original-url']) expect(e.headers[h], h).toBeUndefined()
    expect(e.headers['x-forwarded-for']).toBe('203.0.113.128, 203.0.113.10, 192.0.2.5')
    expect(e.headers['x-forwarded-proto']).toBe('http')
    expect(e.headers['x-forwarded-host']).toBe('api.example.com')
    expect(e.headers['x-request-id']).not.toBe('client-chosen')
    expect(e.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    // Response side: the upstream's Connection/Keep-Alive never reach the client.
    expect(res.headers.get('keep-alive')).toBeNull()
    expect(res.headers.get('x-hop')).toBe('upstream')
  })

  it('keeps an incoming request id when preserve_external_request_id is on', async () => {
    const { echo } = upstreams()
    await publish(simpleConfig([echo[0]], { gateway: { preserve_external_request_id: true } }))
    const e = await echoOf(await makeGateway().fetch('/r', { headers: { 'x-request-id': 'abc-123' } }))
    expect(e.headers['x-request-id']).toBe('abc-123')
  })

  it('answers 503 UF when the connection is refused, with the cluster in the detail', async () => {
    const { refused } = upstreams()
    await publish(simpleConfig([refused]))
    const res = await makeGateway().fetch('/x')
    expect(res.status).toBe(503)
    expect(res.headers.get('x-legate-response-flags')).toBe('UF')
    const body = (await res.json()) as Record<string, string>
    expect(body.code).toBe('ERR_UPSTREAM_CONNECT')
    expect(body.detail).toContain('cluster "echo"')
  })

  it('answers 503 UF when the upstream resets before answering', async () => {
    const { echo } = upstreams()
    await publish(simpleConfig([echo[0]]))
    const res = await makeGateway().fetch('/x', { headers: { 'x-upstream-behavior': 'reset' } })
    expect(res.status).toBe(503)
    expect(res.headers.get('x-legate-response-flags')).toBe('UF')
  })

  it('answers 504 UT when the upstream does not answer within the route timeout', async () => {
    const { echo } = upstreams()
    const config = simpleConfig([echo[0]])
    config.virtual_hosts[0]!.routes[0]!.forward = { cluster: 'echo', timeout: '150ms' } as never
    await publish(config)
    const res = await makeGateway().fetch('/x', { headers: { 'x-upstream-behavior': 'hang' } })
    expect(res.status).toBe(504)
    expect(res.headers.get('x-legate-response-flags')).toBe('UT')
    expect(((await res.json()) as Record<string, string>).code).toBe('ERR_UPSTREAM_TIMEOUT')
  })

  it('passes upstream error statuses and redirects through untouched', async () => {
    const { echo } = upstreams()
    await publish(simpleConfig([echo[0]]))
    const gw = makeGateway()
    const r500 = await gw.fetch('/x', { headers: { 'x-upstream-behavior': 'status=500' } })
    expect(r500.status).toBe(500)
    expect(r500.headers.get('x-legate-response-flags')).toBeNull()
    const r302 = await gw.fetch('/x', { headers: { 'x-upstream-behavior': 'redirect=/elsewhere' } })
    expect(r302.status).toBe(302)
    expect(r302.headers.get('location')).toBe('/elsewhere')
  })

  it('forwards to a Workers service binding endpoint, with host_rewrite', async () => {
    await publish({
      clusters: [{ name: 'svc', endpoints: [{ service: 'ECHO_SERVICE' }] }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'svc', host_rewrite: 'internal.svc' } }] }],
    })
    const res = await makeGateway().fetch('http://public.example/p?q=1', { method: 'PUT', body: 'x' })
    const body = (await res.json()) as { worker: string; url: string; method: string; body: string }
    expect(body).toMatchObject({ worker: 'echo-service', url: 'http://internal.svc/p?q=1', method: 'PUT', body: 'x' })
  })

  it('answers 503 UF naming the binding when a service endpoint is not bound', async () => {
    await publish({
      clusters: [{ name: 'svc', endpoints: [{ service: 'NOT_BOUND' }] }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'svc' } }] }],
    })
    const res = await makeGateway().fetch('/p')
    expect(res.status).toBe(503)
    expect(((await res.json()) as { detail: string }).detail).toContain('NOT_BOUND')
  })
})
