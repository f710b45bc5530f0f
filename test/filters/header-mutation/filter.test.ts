import { describe, expect, it } from 'vitest'
import { headerMutationFilter } from '../../../src/filters/header-mutation/index.ts'
import { build, makeContext, run } from '../_context.ts'

const append = (key: string, value: string, extra = {}) => ({ append: { header: { key, value }, ...extra } })

describe('header_mutation', () => {
  it('applies request mutations to the upstream headers in list order (not removes-first)', async () => {
    const filter = build(headerMutationFilter, {
      request_mutations: [append('x-a', 'first'), { remove: 'x-a' }, append('x-a', 'second'), { remove: 'x-secret' }],
    })
    const rc = makeContext({ headers: { 'x-a': 'client', 'x-secret': 's' } })
    const { upstreamRc } = await run(filter, rc)
    expect(upstreamRc!.headers.get('x-a')).toBe('second')
    expect(upstreamRc!.headers.has('x-secret')).toBe(false)
    expect(rc.request.headers.get('x-secret')).toBe('s')
  })

  it('renders formatter values from the request context', async () => {
    const filter = build(headerMutationFilter, {
      request_mutations: [append('x-client', '%DOWNSTREAM_REMOTE_ADDRESS%'), append('x-trace', '%REQUEST_ID%@%ROUTE_NAME%')],
      response_mutations: [append('x-tenant', 'tenant=%REQ(x-tenant)%'), append('x-started', '%START_TIME%')],
    })
    const rc = makeContext({ headers: { 'x-tenant': 'acme' }, requestId: 'r-9', routeName: 'api/users' })
    const { response } = await run(filter, rc)
    expect(rc.headers.get('x-client')).toBe('203.0.113.7')
    expect(rc.headers.get('x-trace')).toBe('r-9@api/users')
    expect(response.headers.get('x-tenant')).toBe('tenant=acme')
    expect(response.headers.get('x-started')).toBe('2026-11-26T12:00:00.000Z')
  })

  it('sees request mutations made earlier in the list through %REQ()%', async () => {
    const filter = build(headerMutationFilter, {
      request_mutations: [append('x-a', 'one', { append_action: 'overwrite_if_exists_or_add' }), append('x-b', '%REQ(x-a)%')],
    })
    const rc = makeContext()
    await run(filter, rc)
    expect(rc.headers.get('x-b')).toBe('one')
  })

  it('applies response mutations and honours append actions against upstream headers', async () => {
    const filter = build(headerMutationFilter, {
      response_mutations: [
        { remove: 'server' },
        append('cache-control', 'no-store', { append_action: 'add_if_absent' }),
        append('x-frame-options', 'DENY', { append_action: 'overwrite_if_exists' }),
        append('vary', 'accept'),
      ],
    })
    const upstream = () =>
      new Response('ok', { headers: { server: 'nginx', 'cache-control': 'max-age=60', 'x-frame-options': 'SAMEORIGIN', vary: 'origin' } })
    const { response } = await run(filter, makeContext(), upstream)
    expect(response.headers.has('server')).toBe(false)
    expect(response.headers.get('cache-control')).toBe('max-age=60')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('vary')).toBe('origin, accept')
    expect(await response.text()).toBe('ok')
  })

  it('mutates the upstream query: remove, then set, then add', async () => {
    const filter = build(headerMutationFilter, {
      query_parameter_mutations: {
        remove: ['debug'],
        set: [{ key: 'v', value: '2' }],
        add: [{ key: 'tag', value: 'a b' }],
      },
    })
    const rc = makeContext({ url: '/x?v=1&debug=1&v=3&tag=z' })
    await run(filter, rc)
    expect(rc.url.search).toBe('?v=2&tag=z&tag=a+b')
  })

  it('has no phases at all when the config is empty, and leaves the query untouched', () => {
    const filter = build(headerMutationFilter, {})
    expect(filter.onRequest).toBeUndefined()
    expect(filter.onResponse).toBeUndefined()
  })

  it('does not emit a header whose rendered value would carry CR/LF', async () => {
    const filter = build(headerMutationFilter, { request_mutations: [append('x-route', '%ROUTE_NAME%')] })
    const rc = makeContext({ routeName: 'a\nb' })
    await run(filter, rc)
    expect(rc.headers.has('x-route')).toBe(false)
  })
})
