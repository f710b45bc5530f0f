/**
 * @module The floor Workers of the benchmark (bench/workers/floor.js, issues 17 and 18) do the work they are
 * measured against: floor-plain sends upstream the headers Legate's toUpstreamHeaders builds and strips the response
 * as workerd leaves it, floor-plain-minimal only the hop-by-hop strip and its two headers, floor-mirror a shadow
 * copy, floor-cache-hit a hit without an upstream call. fetch is a stub here; no timing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FLOOR } from '../../bench/workers/floor.js'
import { toUpstreamHeaders } from '../../src/http/headers.ts'

const env = { UPSTREAM: 'http://upstream.test', MIRROR: 'http://mirror.test' }
/** A client's request with every kind of header the gateway must act on. */
const incoming = () =>
  new Request('https://api.example/v1/users/42?page=1', {
    headers: {
      accept: 'application/json',
      connection: 'keep-alive, x-hop',
      'x-hop': '1',
      'proxy-authorization': 'Basic x',
      'x-envoy-retry-on': '5xx',
      'x-legate-config-version': '7',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-proto': 'http',
      'x-original-url': '/admin',
      'cf-connecting-ip': '192.0.2.5',
      expect: '100-continue',
    },
  })
const upstreamResponse = () =>
  new Response('{}', {
    headers: { 'content-type': 'application/json', connection: 'keep-alive, x-hop-res', 'x-hop-res': '1', 'keep-alive': 'timeout=5', 'proxy-authenticate': 'Basic' },
  })

type Sent = { url: string; init: RequestInit }
function stubFetch(reply: () => Response = upstreamResponse): Sent[] {
  const sent: Sent[] = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, init })
    return reply()
  })
  return sent
}
const ctx = () => {
  const waited: Promise<unknown>[] = []
  return { waited, ctx: { waitUntil: (p: Promise<unknown>) => waited.push(p), passThroughOnException() {} } as unknown as ExecutionContext }
}
const pairs = (h: HeadersInit | undefined) => [...new Headers(h)]

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('floor-plain', () => {
  it('sends the headers Legate sends and answers with the response Legate answers', async () => {
    const sent = stubFetch()
    const res = await FLOOR['floor-plain']!(incoming(), env, ctx().ctx)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.url).toBe('http://upstream.test/v1/users/42?page=1')
    const headers = new Headers(sent[0]!.init.headers)
    const requestId = headers.get('x-request-id')!
    const legate = toUpstreamHeaders(incoming().headers, { clientAddress: '192.0.2.5', proto: 'https', host: 'api.example', requestId, xffNumTrustedHops: 0, websocket: true })
    expect([...headers]).toEqual([...legate])
    expect(headers.get('x-forwarded-for')).toBe('10.0.0.1, 192.0.2.5')
    expect(sent[0]!.init.signal).toBeInstanceOf(AbortSignal) // the route timeout
    expect(sent[0]!.init.redirect).toBe('manual')
    // keep-alive and connection are workerd's to drop; the proxy-* and Connection-named ones are the Worker's.
    expect(res.headers.has('x-hop-res')).toBe(false)
    expect(res.headers.has('proxy-authenticate')).toBe(false)
    expect(res.headers.get('x-envoy-upstream-service-time')).toMatch(/^\d+$/)
    expect(res.headers.get('x-legate-config-version')).toBe('1')
    expect(await res.text()).toBe('{}')
  })

  it('builds the same request with each alternative construction', async () => {
    for (const name of ['floor-plain-legate', 'floor-plain-pairs', 'floor-plain-headers', 'floor-plain-res-keys', 'floor-plain-controller', 'floor-plain-manual-url']) {
      const sent = stubFetch()
      const res = await FLOOR[name]!(incoming(), env, ctx().ctx)
      const headers = new Headers(sent[0]!.init.headers)
      const legate = toUpstreamHeaders(incoming().headers, { clientAddress: '192.0.2.5', proto: 'https', host: 'api.example', requestId: headers.get('x-request-id')!, xffNumTrustedHops: 0, websocket: true })
      expect([...headers], name).toEqual([...legate])
      expect(res.headers.has('x-hop-res'), name).toBe(false)
      expect(res.headers.has('proxy-authenticate'), name).toBe(false)
    }
  })
})

describe('floor-plain-minimal', () => {
  it('strips the hop-by-hop headers and sets x-forwarded-for and x-request-id only', async () => {
    const sent = stubFetch()
    const res = await FLOOR['floor-plain-minimal']!(incoming(), env, ctx().ctx)
    const headers = new Headers(sent[0]!.init.headers)
    expect(headers.has('x-hop')).toBe(false)
    expect(headers.has('proxy-authorization')).toBe(false)
    expect(headers.get('x-forwarded-for')).toBe('10.0.0.1, 192.0.2.5')
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(headers.get('x-envoy-retry-on')).toBe('5xx') // no control-header sanitizing in the minimal proxy
    expect(sent[0]!.init.signal).toBeUndefined()
    expect(res.headers.has('x-hop-res')).toBe(false)
    expect(res.headers.has('proxy-authenticate')).toBe(false)
  })

  it('hands the upstream response through untouched when it has nothing workerd leaves', async () => {
    const clean = new Response('ok', { headers: { 'content-type': 'text/plain', connection: 'keep-alive' } })
    stubFetch(() => clean)
    expect(await FLOOR['floor-plain-minimal']!(incoming(), env, ctx().ctx)).toBe(clean)
  })
})

describe('floor-mirror', () => {
  it('sends a shadow copy in the background and answers with the primary', async () => {
    const sent = stubFetch()
    const { ctx: c, waited } = ctx()
    const res = await FLOOR['floor-mirror']!(incoming(), env, c)
    await Promise.all(waited)
    expect(waited).toHaveLength(1)
    const mirror = sent.find((s) => s.url.startsWith(env.MIRROR))!
    expect(mirror.url).toBe('http://mirror.test/v1/users/42?page=1')
    expect(new Headers(mirror.init.headers).get('x-forwarded-host')).toBe('api.example-shadow')
    expect(new Headers(sent.find((s) => s.url.startsWith(env.UPSTREAM))!.init.headers).get('x-forwarded-host')).toBe('api.example')
    expect(res.status).toBe(200)
  })
})

describe('floor-cache-hit', () => {
  it.each(['floor-cache-hit', 'floor-cache-hit-pairs', 'floor-cache-hit-logged'])('%s: the second request is a hit, with age and x-cache, and no upstream call', async (name) => {
    const sent = stubFetch()
    const request = () => new Request(`https://api.example/cached/${name}`, { headers: { authorization: 'Bearer token-1' } })
    const first = await FLOOR[name]!(request(), env, ctx().ctx)
    expect(first.headers.get('x-cache')).toBeNull()
    await first.arrayBuffer()
    const second = await FLOOR[name]!(request(), env, ctx().ctx)
    expect(sent).toHaveLength(1)
    expect(second.headers.get('x-cache')).toBe('HIT')
    expect(second.headers.get('age')).toBe('0')
    expect(await second.text()).toBe('{}')
    const anonymous = await FLOOR[name]!(new Request(`https://api.example/cached/${name}`), env, ctx().ctx)
    expect(anonymous.status).toBe(401)
  })
})
