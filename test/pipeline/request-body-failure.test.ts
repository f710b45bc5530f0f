/**
 * Issue 12 §3 (found by test/e2e/malformed-corpus.test.ts): a request body that fails on the client's side (a
 * truncated upload, a client gone mid-body) is the client's fault: 400, not a 503 that blames the upstream and
 * counts as its connection failure (outlier detection ejects for those), and never a 200 for a request whose body
 * the upstream only partly received. The watcher keeps the body's framing: Content-Length when one was declared.
 */
import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, simpleConfig, upstreams } from '../support/gateway.ts'

/** A body that sends `sent` bytes, then fails as a truncated upload does. */
function failingBody(sent: number): ReadableStream<Uint8Array> {
  let done = false
  return new ReadableStream({
    pull(c) {
      if (done) return c.error(new Error('client went away'))
      done = true
      c.enqueue(new Uint8Array(sent).fill(97))
    },
  })
}

const counter = (gw: ReturnType<typeof makeGateway>, name: string) => gw.gateway.stats.counters.get(`cluster.echo.${name}`) ?? 0

describe('a request body that fails on the client side', () => {
  it('answers 400 ERR_BAD_REQUEST and does not count against the upstream', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    const gw = makeGateway()
    const res = await gw.fetch('/upload', { method: 'POST', body: failingBody(10), headers: { 'content-type': 'text/plain', 'content-length': '100' } })
    expect(res.status).toBe(400)
    const body = (await res.json()) as Record<string, string>
    expect(body.code).toBe('ERR_BAD_REQUEST')
    expect(body.detail).toContain('the request body ended early or failed on the client side')
    expect([counter(gw, 'upstream_cx_connect_fail'), counter(gw, 'upstream_rq_total')]).toEqual([0, 0])
    expect((await gw.fetch('/after')).status).toBe(200)
  })

  it('a refused connection still counts as the upstream failure it is', async () => {
    await publish(simpleConfig([upstreams().refused]))
    const gw = makeGateway()
    const res = await gw.fetch('/upload', { method: 'POST', body: new Blob(['abc']).stream(), headers: { 'transfer-encoding': 'chunked' } })
    expect(res.status).toBe(503)
    expect(counter(gw, 'upstream_cx_connect_fail')).toBe(1)
  })

  it('keeps the framing: a declared length reaches the upstream as Content-Length, a stream as chunked', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    const gw = makeGateway()
    const fixed = await echoOf(await gw.fetch('/f', { method: 'POST', body: 'hello', headers: { 'content-length': '5' } }))
    expect([fixed.headers['content-length'], fixed.headers['transfer-encoding'], fixed.body]).toEqual(['5', undefined, 'hello'])
    const streamed = await echoOf(await gw.fetch('/s', { method: 'POST', body: new Blob(['a'.repeat(70_000)]).stream(), headers: { 'transfer-encoding': 'chunked' } }))
    expect([streamed.headers['transfer-encoding'], streamed.bodyBytes]).toEqual(['chunked', 70_000])
  })
})
