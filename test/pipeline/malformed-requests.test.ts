/**
 * Issue 12 §3: a request whose URL does not parse (workerd builds `request.url` from the Host header unchecked)
 * gets a deliberate 400, and the observer (access log, stats) never throws on it.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { ACCESS_LOG_FIELDS } from '../../src/observability/config.ts'
import { makeGateway, publish, simpleConfig, testEnv, upstreams } from '../support/gateway.ts'

/** A Request whose `url` is what workerd hands a Worker for `Host: <host>` (new Request() refuses to build one). */
function withUrl(url: string, init?: RequestInit): Request {
  const request = new Request('http://gw.test/placeholder', init)
  Object.defineProperty(request, 'url', { value: url })
  return request
}

const fullLog = { observability: { access_log: { fields: [...ACCESS_LOG_FIELDS] } } }

describe('a request URL that does not parse', () => {
  it.each(['http://h:abc/hello', 'http://h:99999/hello', 'http://[::1/hello', 'http://a b/x?y', 'http:///'])(
    '%s answers 400 ERR_BAD_REQUEST (DPE), logged without throwing',
    async (url) => {
      await publish(simpleConfig([upstreams().echo[0]], fullLog))
      const gw = makeGateway()
      const errors = vi.spyOn(console, 'error')
      const logs = vi.spyOn(console, 'log').mockImplementation(() => {})
      try {
        const ctx = createExecutionContext()
        const res = await gw.gateway.fetch(withUrl(url, { headers: { 'user-agent': 'ua' } }), testEnv, ctx)
        await waitOnExecutionContext(ctx)
        expect(res.status).toBe(400)
        expect(res.headers.get('content-type')).toBe('application/problem+json')
        expect(res.headers.get('x-legate-response-flags')).toBe('DPE')
        const body = (await res.json()) as Record<string, string>
        expect(body.code).toBe('ERR_BAD_REQUEST')
        expect(body.request_id).toBe(res.headers.get('x-request-id'))
        const host = /^http:\/\/([^/]*)/.exec(url)![1]!
        if (host) expect(JSON.stringify(body)).not.toContain(host) // what the client sent is never echoed
        expect(errors).not.toHaveBeenCalled()
        const lines = logs.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>).filter((l) => l.msg === 'access')
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatchObject({ status: 400, response_flags: 'DPE', route: null, user_agent: 'ua' })
        expect(lines[0]!.path).toBe(new URL(url.replace(/^http:\/\/[^/]*/, 'http://x')).pathname.replace(/\?.*/, ''))
        expect(gw.gateway.stats.counters.get('http.downstream_rq_4xx')).toBe(1)
      } finally {
        errors.mockRestore()
        logs.mockRestore()
      }
    }
  )

  it('answers 400 before any config is pushed too, and the gateway keeps serving', async () => {
    const gw = makeGateway()
    const res = await gw.gateway.fetch(withUrl('http://h:abc/'), testEnv, createExecutionContext())
    expect(res.status).toBe(400)
    await publish(simpleConfig([upstreams().echo[0]]))
    expect((await makeGateway().fetch('/ok')).status).toBe(200)
  })

  it('a hostile method and header values reach the access log as data, not exceptions', async () => {
    await publish(simpleConfig([upstreams().echo[0]], fullLog))
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const request = withUrl('http://h:1/%zz%00?q', { headers: { 'content-length': 'abc', 'cf-connecting-ip': ' ', 'user-agent': '"\\\u2028' } })
      Object.defineProperty(request, 'method', { value: 'X'.repeat(300) }) // workerd's Request refuses unknown methods
      const res = await makeGateway().fetchAndSettle(request)
      expect(res.status).toBe(400)
      const line = JSON.parse(String(logs.mock.calls.at(-1)![0])) as Record<string, unknown>
      expect(line).toMatchObject({ method: 'X'.repeat(300), path: '/%zz%00', bytes_received: null, user_agent: '"\\\u2028' })
    } finally {
      logs.mockRestore()
    }
  })
})
