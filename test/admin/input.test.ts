/**
 * The admin API's own input handling (src/admin/context.ts validQuery / validJson, the route table's size limit in
 * src/admin/config-routes.ts): every bad query or body is a 4xx problem reply that says what is wrong, never a 500.
 */
import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_CONFIG_BYTES } from '../../src/admin/config-routes.ts'
import { makeGateway, publish } from '../support/gateway.ts'
import { admin, json } from './_helpers.ts'

afterEach(() => reset())

/** A problem reply's body, after checking its status, type and code. */
async function expectProblem(res: Response, want: { status: number; code: string }) {
  expect([res.status, res.headers.get('content-type')]).toEqual([want.status, 'application/problem+json'])
  const body = await json(res)
  expect(body.code).toBe(want.code)
  return body
}

const table = () => ({ virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, direct_response: { status: 204 } }] }] })

describe('admin input', () => {
  it('refuses a route table over the size limit by its Content-Length, and a streamed one once it passes the limit', async () => {
    const gw = makeGateway()
    const declared = await admin(gw, '/config', { method: 'PUT', headers: { 'content-type': 'application/json', 'content-length': String(MAX_CONFIG_BYTES + 1) }, body: 'x'.repeat(MAX_CONFIG_BYTES + 1) })
    await expectProblem(declared, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    const chunk = new Uint8Array(1024 * 1024).fill(0x20)
    let sent = 0
    const streamed = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > MAX_CONFIG_BYTES) return c.close()
        sent += chunk.byteLength
        c.enqueue(chunk)
      },
    })
    const res = await admin(gw, '/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: streamed })
    await expectProblem(res, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    // Within the limit, the table is read and validated as before.
    const ok = await admin(gw, '/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(table()) })
    expect(ok.status).toBe(200)
  })

  it('answers a purge body that is not JSON with a 400, and one that fails the schema with every issue', async () => {
    await publish(table())
    const gw = makeGateway()
    const headers = { 'content-type': 'application/json' }
    const malformed = await admin(gw, '/cache/purge', { method: 'POST', headers, body: '{"urls": [' })
    await expectProblem(malformed, { status: 400, code: 'ERR_BAD_REQUEST' })
    const invalid = await admin(gw, '/cache/purge', { method: 'POST', headers, body: JSON.stringify({ urls: 'x', all: 'yes' }) })
    const body = await expectProblem(invalid, { status: 400, code: 'ERR_BAD_REQUEST' })
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['all', 'urls'])
    expect(body.detail).toMatch(/^invalid json: /)
  })

  it('validates query parameters, a repeated one as a list', async () => {
    await publish(table())
    const gw = makeGateway()
    const missing = await admin(gw, '/recorder/buffer')
    expect((await expectProblem(missing, { status: 400, code: 'ERR_BAD_REQUEST' })).issues).toEqual([{ path: 'route', message: expect.any(String) }])
    const twice = await admin(gw, '/recorder/buffer?route=a&route=b')
    expect((await expectProblem(twice, { status: 400, code: 'ERR_BAD_REQUEST' })).detail).toMatch(/^invalid query: route: /)
    expect((await admin(gw, '/stats?format=json')).status).toBe(200)
  })
})
