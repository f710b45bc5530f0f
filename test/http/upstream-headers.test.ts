/**
 * UpstreamHeaders (src/http/upstream-headers.ts): the upstream-bound headers built when first needed. Every read and
 * delete made before the build answers exactly as the eagerly built headers would (toUpstreamHeaders, then the
 * completion, then the same deletes), and the built headers are the same: property-tested over random requests.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toUpstreamHeaders, type UpstreamHeaderInfo } from '../../src/http/headers.ts'
import { type Completion, UpstreamHeaders } from '../../src/http/upstream-headers.ts'

const INFO: UpstreamHeaderInfo = { clientAddress: '192.0.2.5', proto: 'https', host: 'api.example.com', requestId: 'rid-1', xffNumTrustedHops: 0, websocket: true }

/** Names sanitizing treats specially, names it leaves alone, and the trace completion's. */
const NAMES = [
  'authorization', 'cookie', 'accept', 'x-custom', 'Authorization', 'X-Custom', 'connection', 'keep-alive', 'te', 'upgrade',
  'transfer-encoding', 'proxy-authorization', 'content-length', 'expect', 'x-forwarded-for', 'x-forwarded-proto',
  'x-forwarded-port', 'x-forwarded-host', 'x-request-id', 'x-envoy-retry-on', 'x-legate-debug', 'x-original-url',
  'x-forwarded-client-cert', 'traceparent', 'tracestate', 'host',
]
const VALUES = ['a', 'Bearer abc.def.ghi', 'trailers', 'websocket', 'upgrade', 'authorization, x-custom', 'keep-alive, accept', 'cookie', '100-continue', '10.0.0.1']
const HEADER_NAMES = NAMES.filter((n) => n !== 'host')

const completion: Completion = {
  names: ['traceparent', 'tracestate'],
  apply: (h) => {
    h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
    h.delete('tracestate')
  },
}

type Op = { kind: 'get' | 'delete'; name: string }
const op = fc.record({ kind: fc.constantFrom<'get' | 'delete'>('get', 'delete'), name: fc.constantFrom(...NAMES) })
const request = fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.constantFrom(...VALUES)), { maxLength: 10 })

const entries = (h: Headers) => [...h].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

function eager(incoming: Headers, withCompletion: boolean): Headers {
  const out = toUpstreamHeaders(incoming, INFO)
  if (withCompletion) completion.apply(out)
  return out
}

describe('UpstreamHeaders', () => {
  it('answers reads and deletes before the build as the eagerly built headers, and builds the same headers', () => {
    fc.assert(
      fc.property(request, fc.array(op, { maxLength: 8 }), fc.boolean(), (pairs, ops: Op[], withCompletion) => {
        const incoming = new Headers()
        for (const [n, v] of pairs) incoming.append(n, v)
        const model = eager(incoming, withCompletion)
        // Every name read first thing, on an instance of its own: the answer before any build.
        for (const n of NAMES) {
          const fresh = new UpstreamHeaders(incoming, INFO)
          if (withCompletion) fresh.complete(completion)
          expect(fresh.get(n), `first read of ${n}`).toBe(model.get(n))
        }
        const lazy = new UpstreamHeaders(incoming, INFO)
        if (withCompletion) lazy.complete(completion)
        for (const o of ops) {
          if (o.kind === 'get') expect(lazy.get(o.name), `get ${o.name}`).toBe(model.get(o.name))
          else {
            lazy.delete(o.name)
            model.delete(o.name)
          }
        }
        expect(entries(lazy.build())).toEqual(entries(model))
        expect(lazy.build()).toBe(lazy.build())
        for (const n of NAMES) expect(lazy.get(n)).toBe(model.get(n))
      }),
      { numRuns: 400, seed: 0x17 }
    )
  })

  it('does not build for a read of a header sanitizing leaves as sent, nor for a delete', () => {
    let builds = 0
    const counting: Completion = { names: completion.names, apply: (h) => (builds++, completion.apply(h)) }
    const incoming = new Headers({ authorization: 'Bearer t', accept: 'text/html', connection: 'keep-alive' })
    const lazy = new UpstreamHeaders(incoming, INFO)
    lazy.complete(counting)
    expect(lazy.get('Authorization')).toBe('Bearer t')
    lazy.delete('authorization')
    expect(lazy.get('authorization')).toBeNull()
    expect(lazy.get('accept')).toBe('text/html')
    expect(builds).toBe(0)
    // A name sanitizing sets is read from the built headers: the delete is applied after the forwarding headers.
    expect(lazy.get('x-request-id')).toBe('rid-1')
    expect(builds).toBe(1)
    const built = lazy.build()
    expect(built.has('authorization')).toBe(false)
    expect(built.get('traceparent')).not.toBeNull()
    expect(builds).toBe(1)
  })

  it('applies a completion at once when route matching already built the headers (matching saw the client\'s trace headers)', () => {
    const incoming = new Headers({ traceparent: '00-11111111111111111111111111111111-2222222222222222-01' })
    const lazy = new UpstreamHeaders(incoming, INFO)
    expect(lazy.get('x-request-id')).toBe('rid-1') // builds, as a route matching on x-request-id would
    expect(lazy.get('traceparent')).toBe(incoming.get('traceparent'))
    lazy.complete(completion)
    expect(lazy.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
  })

  it('refuses an invalid header name on delete, as Headers does', () => {
    const lazy = new UpstreamHeaders(new Headers(), INFO)
    expect(() => lazy.delete('bad name')).toThrow(TypeError)
    expect(() => new Headers().delete('bad name')).toThrow(TypeError)
  })
})
