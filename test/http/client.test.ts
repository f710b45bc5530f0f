import { describe, expect, it } from 'vitest'
import { LOCAL_PEER_ADDRESS, requestIdFor, trustedClientAddress } from '../../src/http/client.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const XFF = '203.0.113.128, 203.0.113.10, 203.0.113.1'

describe('trustedClientAddress', () => {
  // security.md §3 XFF worked examples (Envoy headers.rst): client 192.0.2.5.
  it.each([
    [0, '192.0.2.5'],
    [1, '203.0.113.1'],
    [2, '203.0.113.10'],
    [3, '203.0.113.128'],
    [4, '192.0.2.5'],
    [10, '192.0.2.5'],
  ])('with %i trusted hops is %s', (hops, expected) => {
    const headers = new Headers({ 'cf-connecting-ip': '192.0.2.5', 'x-forwarded-for': XFF })
    expect(trustedClientAddress(headers, hops)).toBe(expected)
  })

  it('never uses a forged X-Forwarded-For with 0 trusted hops (H6)', () => {
    const headers = new Headers({
      'cf-connecting-ip': '192.0.2.5',
      'x-forwarded-for': '1.2.3.4',
      'x-real-ip': '1.2.3.4',
    })
    expect(trustedClientAddress(headers, 0)).toBe('192.0.2.5')
  })

  it('falls back to 127.0.0.1 without CF-Connecting-IP (local development)', () => {
    expect(LOCAL_PEER_ADDRESS).toBe('127.0.0.1')
    expect(trustedClientAddress(new Headers({ 'x-forwarded-for': '1.2.3.4' }), 0)).toBe('127.0.0.1')
    expect(trustedClientAddress(new Headers(), 2)).toBe('127.0.0.1')
  })

  it('uses the peer when the chosen entry is not an IP literal', () => {
    const headers = new Headers({ 'cf-connecting-ip': '192.0.2.5', 'x-forwarded-for': 'unknown, <script>' })
    expect(trustedClientAddress(headers, 1)).toBe('192.0.2.5')
    expect(trustedClientAddress(headers, 2)).toBe('192.0.2.5')
  })

  it('ignores a trailing entry equal to the peer (Cloudflare appends the connecting address)', () => {
    const headers = new Headers({ 'cf-connecting-ip': '192.0.2.5', 'x-forwarded-for': `${XFF}, 192.0.2.5` })
    expect(trustedClientAddress(headers, 2)).toBe('203.0.113.10')
  })

  it('reads IPv6 entries and repeated header lines', () => {
    const headers = new Headers([
      ['cf-connecting-ip', '2001:db8::5'],
      ['x-forwarded-for', '2001:db8::1'],
      ['x-forwarded-for', ' 2001:db8::2 ,'],
    ])
    expect(trustedClientAddress(headers, 1)).toBe('2001:db8::2')
    expect(trustedClientAddress(headers, 2)).toBe('2001:db8::1')
    expect(trustedClientAddress(headers, 0)).toBe('2001:db8::5')
  })
})

describe('requestIdFor', () => {
  it('replaces an incoming X-Request-Id by default (H8, Envoy preserve_external_request_id=false)', () => {
    const id = requestIdFor(new Headers({ 'x-request-id': 'client-chosen' }), false)
    expect(id).toMatch(UUID)
  })

  it('keeps a well-formed incoming X-Request-Id when preserving', () => {
    expect(requestIdFor(new Headers({ 'x-request-id': 'abc-123_XYZ.~:/' }), true)).toBe('abc-123_XYZ.~:/')
    expect(requestIdFor(new Headers({ 'x-request-id': 'a'.repeat(128) }), true)).toBe('a'.repeat(128))
  })

  it.each([
    ['too long', 'a'.repeat(129)],
    ['inner space', 'a b'],
    ['DEL character', 'a\u007fb'],
    ['control character', 'a\tb'],
  ])('generates a new id for a malformed incoming one (%s)', (_, value) => {
    expect(requestIdFor(new Headers({ 'x-request-id': value }), true)).toMatch(UUID)
  })

  it('generates a new id when none is sent, different each time', () => {
    const a = requestIdFor(new Headers(), true)
    const b = requestIdFor(new Headers(), true)
    expect(a).toMatch(UUID)
    expect(a).not.toBe(b)
  })
})
