/** ext_authz `with_request_body`: the check gets the body (bounded), and the upstream still gets all of it. */
import { describe, expect, it } from 'vitest'
import { clusterHandle, createCluster } from '../../../src/upstream/isolate/cluster.ts'
import { cluster } from '../../../src/config/schema.ts'
import { extAuthzFilter, PARTIAL_BODY_HEADER } from '../../../src/filters/ext-authz/index.ts'
import { build, expectProblem, FACTORY_CTX, makeContext } from '../_context.ts'
import { authz, onlyRecord, records, uniquePath } from './_authz.ts'
import { captureLog } from '../../support/expect-log.ts'

const text = (body: ReadableStream<Uint8Array> | null) => new Response(body).text()

/** A body without Content-Length, delivered in chunks. */
function chunked(...parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p))
      c.close()
    },
  })
}

describe('ext_authz: with_request_body', () => {
  it('sends the whole body with its length, and the upstream gets the same bytes', async () => {
    const path = uniquePath()
    const rc = makeContext({ url: path, method: 'POST', body: 'hello authz', headers: { 'content-type': 'text/plain' } })
    const filter = build(extAuthzFilter, { url: authz(), with_request_body: { max_request_bytes: 64 } })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    const seen = await onlyRecord(path)
    expect(seen.body).toBe('hello authz')
    expect(seen.headers['content-length']).toBe('11')
    expect(seen.headers[PARTIAL_BODY_HEADER]).toBeUndefined()
    expect(await text(rc.body)).toBe('hello authz')
  })

  it('answers 413 at once when Content-Length is over the limit, without calling the service', async () => {
    const path = uniquePath()
    const rc = makeContext({ url: path, method: 'PUT', body: 'x'.repeat(20), headers: { 'content-length': '20' } })
    const res = await build(extAuthzFilter, { url: authz(), with_request_body: { max_request_bytes: 10 } }).onRequest!(rc)
    await expectProblem(res as Response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(await records(path)).toEqual([])
  })

  it('answers 413 when a streamed body passes the limit, without calling the service', async () => {
    const path = uniquePath()
    const rc = makeContext({ url: path, method: 'POST', body: chunked('0123456', '789abc') })
    const res = await build(extAuthzFilter, { url: authz(), with_request_body: { max_request_bytes: 10 } }).onRequest!(rc)
    await expectProblem(res as Response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(await records(path)).toEqual([])
  })

  it('with allow_partial_message sends the first max_request_bytes, marked partial; the upstream gets everything', async () => {
    const path = uniquePath()
    const rc = makeContext({ url: path, method: 'POST', body: chunked('0123456', '789abc', 'def') })
    const filter = build(extAuthzFilter, { url: authz(), with_request_body: { max_request_bytes: 10, allow_partial_message: true } })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    const seen = await onlyRecord(path)
    expect(seen.body).toBe('0123456789')
    expect(seen.headers[PARTIAL_BODY_HEADER]).toBe('true')
    expect(await text(rc.body)).toBe('0123456789abcdef')
  })

  it('a body exactly at the limit is whole, not partial', async () => {
    const path = uniquePath()
    const rc = makeContext({ url: path, method: 'POST', body: chunked('01234', '56789') })
    const filter = build(extAuthzFilter, { url: authz(), with_request_body: { max_request_bytes: 10 } })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect((await onlyRecord(path)).body).toBe('0123456789')
    expect(await text(rc.body)).toBe('0123456789')
  })

  it('without with_request_body the check has an empty body and the upstream body is untouched', async () => {
    const path = uniquePath()
    const rc = makeContext({ url: path, method: 'POST', body: 'payload' })
    const original = rc.body
    expect(await build(extAuthzFilter, { url: authz() }).onRequest!(rc)).toBeUndefined()
    expect((await onlyRecord(path)).bodyBytes).toBe(0)
    expect(rc.body).toBe(original)
    expect(await text(rc.body)).toBe('payload')
  })
})

describe('ext_authz: where checks go', () => {
  it('a service binding gets the request host; its allowing answer headers can be copied', async () => {
    const rc = makeContext({ url: '/svc?x=1' })
    const filter = build(extAuthzFilter, { service: 'ECHO_SERVICE', path_prefix: '/authz', allowed_upstream_headers: ['x-upstream'] })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect(rc.headers.get('x-upstream')).toBe('echo-service')
  })

  it('a missing service binding is a failed check (403, or allowed with failure_mode_allow)', async () => {
    const log = captureLog()
    const rc = makeContext()
    const res = await build(extAuthzFilter, { service: 'NO_SUCH_BINDING' }).onRequest!(rc)
    await expectProblem(res as Response, { status: 403, code: 'ERR_EXT_AUTHZ_ERROR' })
    expect(await build(extAuthzFilter, { service: 'NO_SUCH_BINDING', failure_mode_allow: true }).onRequest!(makeContext())).toBeUndefined()
    expect(log.msgs()).toEqual(Array(2).fill('ext_authz: check failed'))
  })

  it('a cluster sends checks to its endpoints', async () => {
    const path = uniquePath()
    const clusters = new Map([['authz', clusterHandle(createCluster(cluster.parse({ name: 'authz', endpoints: [{ url: authz() }] })))]])
    const filter = extAuthzFilter.create(extAuthzFilter.configSchema.parse({ cluster: 'authz', path_prefix: '/c' }), { ...FACTORY_CTX, clusters })
    expect(await filter.onRequest!(makeContext({ url: path }))).toBeUndefined()
    expect((await onlyRecord(path)).url).toBe(`/c${path}`)
  })

  it('an unknown cluster fails at compile time, naming the known ones', () => {
    const clusters = new Map([['authz', clusterHandle(createCluster(cluster.parse({ name: 'authz', endpoints: [{ url: authz() }] })))]])
    const config = extAuthzFilter.configSchema.parse({ cluster: 'authx' })
    expect(() => extAuthzFilter.create(config, { ...FACTORY_CTX, clusters })).toThrow('ext_authz (http_filters): unknown cluster "authx" (known: authz)')
  })
})
