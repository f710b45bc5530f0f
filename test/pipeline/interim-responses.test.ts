/**
 * Issue 12 §3: `Expect: 100-continue` reaches a real Node upstream (which answers `100 Continue` by default) and
 * returns its final response; any status workerd's fetch hands over that a Response cannot carry (an interim 1xx,
 * a status outside 200–599) is a deliberate 502 UPE, never ERR_INTERNAL.
 */
import { describe, expect, it } from 'vitest'
import { toUpstreamHeaders } from '../../src/http/headers.ts'
import { attemptsOf, newKey, table } from '../resilience/helpers.ts'
import { echoOf, makeGateway, publish, simpleConfig, upstreams } from '../support/gateway.ts'

describe('Expect: 100-continue', () => {
  it('forwards the body to the upstream and returns its final status and body', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    const body = 'x'.repeat(100_000)
    const res = await makeGateway().fetch('/upload', { method: 'PUT', body, headers: { expect: '100-continue', 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    const e = await echoOf(res)
    expect(e.method).toBe('PUT')
    expect(e.bodyBytes).toBe(body.length)
    expect(e.headers.expect).toBeUndefined() // Envoy's default: the gateway, not the upstream, owns the expectation
  })

  it('returns the upstream final status when it refuses the request', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    const res = await makeGateway().fetch('/upload', { method: 'POST', body: 'small', headers: { expect: '100-Continue', 'x-upstream-behavior': 'status=413' } })
    expect(res.status).toBe(413)
    expect((await echoOf(res)).body).toBe('small')
  })

  it('strips only the 100-continue expectation', () => {
    const info = { clientAddress: '192.0.2.1', proto: 'https', host: 'h', requestId: 'r', xffNumTrustedHops: 0, websocket: false } as const
    expect(toUpstreamHeaders(new Headers({ expect: '100-continue' }), info).has('expect')).toBe(false)
    expect(toUpstreamHeaders(new Headers({ expect: 'x-custom' }), info).get('expect')).toBe('x-custom')
  })
})

describe('an upstream status that cannot be forwarded', () => {
  it.each(['interim=100', 'interim=102', 'interim=103', 'status=600', 'status=999', 'status=199', 'status=101'])(
    '%s answers 502 ERR_UPSTREAM_PROTOCOL (UPE) and the gateway keeps serving',
    async (behavior) => {
      await publish(simpleConfig([upstreams().echo[0]]))
      const gw = makeGateway()
      const res = await gw.fetch('/x', { method: 'POST', body: 'b', headers: { 'x-upstream-behavior': behavior } })
      expect(res.status).toBe(502)
      expect(res.headers.get('x-legate-response-flags')).toBe('UPE')
      const problem = (await res.json()) as Record<string, string>
      expect(problem.code).toBe('ERR_UPSTREAM_PROTOCOL')
      expect(problem.detail).toMatch(/status \d+, which cannot be forwarded/)
      expect((await gw.fetch('/after')).status).toBe(200)
    }
  )

  it('is retried like a reset', async () => {
    const key = newKey()
    await publish(table([upstreams().echo[0]], { forward: { retry_policy: { retry_on: 'reset', num_retries: 2, retry_back_off: { base_interval: '1ms' } } } }))
    const res = await makeGateway().fetch('/x', { headers: { 'x-upstream-behavior': `interim=103;fail-times=1;key=${key}` } })
    expect(res.status).toBe(200)
    expect((await attemptsOf(key)).attempts).toBe(2)
  })
})
