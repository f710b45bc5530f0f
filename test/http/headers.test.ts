import { describe, expect, it } from 'vitest'
import { trustedClientAddress } from '../../src/http/client.ts'
import {
  HOP_BY_HOP,
  isWebSocketUpgrade,
  toDownstreamHeaders,
  toUpstreamHeaders,
  type UpstreamHeaderInfo,
} from '../../src/http/headers.ts'

const INFO: UpstreamHeaderInfo = {
  clientAddress: '192.0.2.5',
  proto: 'https',
  host: 'api.example.com',
  requestId: 'rid-1',
  xffNumTrustedHops: 0,
  websocket: false,
}

const upstream = (init: HeadersInit, info: Partial<UpstreamHeaderInfo> = {}) =>
  toUpstreamHeaders(new Headers(init), { ...INFO, ...info })
const names = (h: Headers) => [...h.keys()]
const XFF = '203.0.113.128, 203.0.113.10, 203.0.113.1'

describe('toUpstreamHeaders: hop-by-hop (security.md §3)', () => {
  it('H1: removes Connection and the headers it names', () => {
    const out = upstream([['connection', 'close, X-Foo'], ['x-foo', '1'], ['x-bar', '2']])
    expect(out.has('x-foo')).toBe(false)
    expect(out.has('connection')).toBe(false)
    expect(out.get('x-bar')).toBe('2')
  })

  it('H2: removes Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, TE and Proxy-Authorization', () => {
    const out = upstream({
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      'transfer-encoding': 'chunked',
      upgrade: 'websocket',
      connection: 'upgrade',
      te: 'gzip',
      trailer: 'x-checksum',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      accept: 'text/html',
    })
    for (const name of HOP_BY_HOP) expect(out.has(name), name).toBe(false)
    expect(out.get('accept')).toBe('text/html')
  })

  it('H3: keeps te: trailers even when Connection names te', () => {
    const out = upstream({ connection: 'te, close', te: 'trailers' })
    expect(out.get('te')).toBe('trailers')
    expect(out.has('connection')).toBe(false)
  })

  it('H4: removes te, mike, sam, will and connection', () => {
    const out = upstream({ connection: 'te, mike, sam, will, close', te: 'gzip', mike: 'a', sam: 'b', will: 'c' })
    for (const name of ['te', 'mike', 'sam', 'will', 'connection']) expect(out.has(name), name).toBe(false)
  })

  it('H5: a client cannot strip or freeze the forwarding headers through Connection', () => {
    const out = upstream({
      connection: 'X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto, X-Request-Id, X-Real-IP',
      'x-forwarded-for': '198.51.100.7',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      'x-request-id': 'frozen',
      'x-real-ip': '198.51.100.7',
    })
    expect(out.get('x-forwarded-for')).toBe('198.51.100.7, 192.0.2.5')
    expect(out.get('x-forwarded-host')).toBe('api.example.com')
    expect(out.get('x-forwarded-proto')).toBe('https')
    expect(out.get('x-request-id')).toBe('rid-1')
    expect(out.has('x-real-ip')).toBe(false)
  })

  it('never lets Connection remove Host or cf-* headers, and ignores tokens that are not header names', () => {
    const out = upstream({
      connection: 'host, cf-connecting-ip, CF-Ray, foo bar, , "x"',
      host: 'api.example.com',
      'cf-connecting-ip': '192.0.2.5',
      'cf-ray': 'r1',
    })
    expect(out.get('host')).toBe('api.example.com')
    expect(out.get('cf-connecting-ip')).toBe('192.0.2.5')
    expect(out.get('cf-ray')).toBe('r1')
  })

  it('never copies Content-Length or Transfer-Encoding (the runtime frames the body)', () => {
    const out = upstream({ 'content-length': '5', 'transfer-encoding': 'chunked', 'content-type': 'text/plain' })
    expect(out.has('content-length')).toBe(false)
    expect(out.has('transfer-encoding')).toBe(false)
    expect(out.get('content-type')).toBe('text/plain')
  })

  it('returns a new Headers and leaves the incoming one untouched', () => {
    const incoming = new Headers({ connection: 'x-foo', 'x-foo': '1' })
    const out = toUpstreamHeaders(incoming, INFO)
    expect(out).not.toBe(incoming)
    expect(names(incoming).sort()).toEqual(['connection', 'x-foo'])
  })
})

describe('toUpstreamHeaders: forwarding headers', () => {
  // security.md §3 XFF worked example: client 192.0.2.5, 0 trusted hops.
  it('appends the client to X-Forwarded-For as given (Envoy use_remote_address)', () => {
    const headers = new Headers({ 'cf-connecting-ip': '192.0.2.5', 'x-forwarded-for': XFF })
    const clientAddress = trustedClientAddress(headers, 0)
    expect(clientAddress).toBe('192.0.2.5')
    const out = toUpstreamHeaders(headers, { ...INFO, clientAddress })
    expect(out.get('x-forwarded-for')).toBe('203.0.113.128, 203.0.113.10, 203.0.113.1, 192.0.2.5')
  })

  it('H6: a forged X-Forwarded-For is kept only as given, with the real client appended', () => {
    const out = upstream({ 'x-forwarded-for': '1.2.3.4', 'cf-connecting-ip': '192.0.2.5' })
    expect(out.get('x-forwarded-for')).toBe('1.2.3.4, 192.0.2.5')
    expect(upstream({}).get('x-forwarded-for')).toBe('192.0.2.5')
  })

  it('appends the peer, not the trusted client, behind trusted proxies', () => {
    const headers = new Headers({ 'cf-connecting-ip': '192.0.2.5', 'x-forwarded-for': XFF })
    const clientAddress = trustedClientAddress(headers, 2)
    expect(clientAddress).toBe('203.0.113.10')
    const out = toUpstreamHeaders(headers, { ...INFO, clientAddress, xffNumTrustedHops: 2 })
    expect(out.get('x-forwarded-for')).toBe('203.0.113.128, 203.0.113.10, 203.0.113.1, 192.0.2.5')
  })

  it('does not append the peer twice when Cloudflare already appended it', () => {
    const out = upstream({ 'x-forwarded-for': '1.2.3.4, 192.0.2.5', 'cf-connecting-ip': '192.0.2.5' })
    expect(out.get('x-forwarded-for')).toBe('1.2.3.4, 192.0.2.5')
  })

  it.each([
    [0, 'https', 'http'],
    [0, undefined, 'http'],
    [1, 'https', 'https'],
    [1, undefined, 'http'],
  ] as const)('H7: %i trusted hops, client X-Forwarded-Proto %s, plain-HTTP hop ⇒ %s', (hops, sent, want) => {
    const out = upstream(sent ? { 'x-forwarded-proto': sent } : {}, { proto: 'http', xffNumTrustedHops: hops })
    expect(out.get('x-forwarded-proto')).toBe(want)
  })

  it('trusts a client X-Forwarded-Port only behind trusted hops', () => {
    expect(upstream({ 'x-forwarded-port': '8443' }).has('x-forwarded-port')).toBe(false)
    expect(upstream({ 'x-forwarded-port': '8443' }, { xffNumTrustedHops: 1 }).get('x-forwarded-port')).toBe('8443')
  })

  it('sets X-Forwarded-Host to the original Host and overwrites X-Request-Id (H8)', () => {
    const out = upstream({ host: 'api.example.com', 'x-forwarded-host': 'evil.example', 'x-request-id': 'chosen' })
    expect(out.get('x-forwarded-host')).toBe('api.example.com')
    expect(out.get('x-request-id')).toBe('rid-1')
  })

  it('H16: removes client X-Forwarded-Prefix, X-Original-URL and X-Rewrite-URL', () => {
    const out = upstream({ 'x-forwarded-prefix': '/admin', 'x-original-url': '/admin', 'x-rewrite-url': '/admin' })
    for (const name of ['x-forwarded-prefix', 'x-original-url', 'x-rewrite-url']) {
      expect(out.has(name), name).toBe(false)
    }
  })

  it('leaves cf-connecting-ip and other cf-* request headers as they are', () => {
    const out = upstream({ 'cf-connecting-ip': '192.0.2.5', 'cf-ipcountry': 'NL', 'cf-ray': 'r1' })
    expect(out.get('cf-connecting-ip')).toBe('192.0.2.5')
    expect(out.get('cf-ipcountry')).toBe('NL')
    expect(out.get('cf-ray')).toBe('r1')
  })
})

describe('toUpstreamHeaders: WebSocket', () => {
  const HANDSHAKE = {
    upgrade: 'websocket',
    connection: 'keep-alive, Upgrade',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
  }

  it('keeps Upgrade for a WebSocket handshake on a WebSocket route', () => {
    const out = upstream(HANDSHAKE, { websocket: true })
    expect(out.get('upgrade')).toBe('websocket')
    expect(out.get('connection')).toBe('upgrade')
    expect(out.get('sec-websocket-key')).toBe('dGhlIHNhbXBsZSBub25jZQ==')
    expect(out.has('keep-alive')).toBe(false)
  })

  it('drops Upgrade for a WebSocket handshake on a route without WebSocket', () => {
    const out = upstream(HANDSHAKE, { websocket: false })
    expect(out.has('upgrade')).toBe(false)
    expect(out.has('connection')).toBe(false)
  })

  it.each([
    ['h2c', { upgrade: 'h2c', connection: 'Upgrade, HTTP2-Settings', 'http2-settings': 'AAMAAABkAAQAAP__' }],
    ['no Connection: upgrade', { upgrade: 'websocket' }],
  ])('drops Upgrade on a WebSocket route when the request is not a WebSocket handshake (%s)', (_, init) => {
    const out = upstream(init, { websocket: true })
    expect(out.has('upgrade')).toBe(false)
    expect(out.has('connection')).toBe(false)
    expect(out.has('http2-settings')).toBe(false)
  })
})

describe('isWebSocketUpgrade', () => {
  it.each([
    [{ upgrade: 'websocket', connection: 'Upgrade' }, true],
    [{ upgrade: 'WebSocket', connection: 'keep-alive, upgrade' }, true],
    [{ upgrade: 'websocket' }, false],
    [{ connection: 'upgrade' }, false],
    [{ upgrade: 'h2c', connection: 'upgrade' }, false],
    [{ upgrade: 'websocketx', connection: 'upgrade' }, false],
    [{ upgrade: 'websocket', connection: 'upgraded' }, false],
  ])('%o ⇒ %s', (init, expected) => {
    expect(isWebSocketUpgrade(new Headers(init))).toBe(expected)
  })
})

describe('toDownstreamHeaders', () => {
  it('removes hop-by-hop response headers and the ones Connection names', () => {
    const out = toDownstreamHeaders(
      new Headers({
        connection: 'close, x-internal',
        'x-internal': 'secret',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'proxy-authenticate': 'Basic',
        'proxy-connection': 'close',
        trailer: 'x-checksum',
        upgrade: 'h2c',
        'content-type': 'application/json',
      })
    )
    expect(names(out)).toEqual(['content-type'])
  })

  it('keeps every Set-Cookie value', () => {
    const init: [string, string][] = [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['connection', 'close']]
    const out = toDownstreamHeaders(new Headers(init))
    const cookies = [...out].filter(([name]) => name === 'set-cookie').map(([, value]) => value)
    expect(cookies).toEqual(['a=1', 'b=2'])
  })

  it('keeps Upgrade only on 101 Switching Protocols', () => {
    const init = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' }
    const switched = toDownstreamHeaders(new Headers(init), 101)
    expect(switched.get('upgrade')).toBe('websocket')
    expect(switched.get('connection')).toBe('upgrade')
    expect(switched.get('sec-websocket-accept')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
    const ok = toDownstreamHeaders(new Headers(init), 200)
    expect(ok.has('upgrade')).toBe(false)
    expect(ok.has('connection')).toBe(false)
  })
})

describe('toUpstreamHeaders: ingress sanitizing (H8, H16)', () => {
  it('removes client-supplied internal control headers and keeps the rest', () => {
    const out = upstream(
      {
        'x-envoy-retry-on': '5xx',
        'x-envoy-upstream-rq-timeout-ms': '1',
        'x-envoy-internal': 'true',
        'x-forwarded-client-cert': 'By=spiffe://x',
        'x-gateway-user': 'admin',
        'x-gateway-retry-count': '9',
        'x-jwt-claim-sub': 'admin',
        'x-legate-response-flags': 'NR',
        'x-forwarded-prefix': '/admin',
        'x-original-url': '/admin',
        'x-rewrite-url': '/admin',
        authorization: 'Bearer t',
        'x-envoyish': 'kept',
        'cf-connecting-ip': '192.0.2.5',
      }
    )
    const gateway = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id']
    expect(names(out).sort()).toEqual(['authorization', 'cf-connecting-ip', 'x-envoyish', ...gateway].sort())
  })
})
