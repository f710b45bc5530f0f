import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { defineFilter } from '../../src/filters/types.ts'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'

/** A user filter, registered from TypeScript without touching the core (as docs/filters.md shows). */
const tagFilter = defineFilter({
  name: 'tag',
  status: 'alpha',
  description: 'Tags requests and responses; answers 418 when asked to.',
  configSchema: z.strictObject({ value: z.string().default('chain'), teapot: z.boolean().default(false), explode: z.boolean().default(false), fetched: z.boolean().default(false) }),
  create(config) {
    return {
      onRequest(rc) {
        if (config.explode) throw new Error('boom')
        rc.headers.append('x-tag', config.value)
        if (config.teapot) return new Response('short and stout', { status: 418 })
        // Response.redirect has immutable headers, as a fetched Response does.
        if (config.fetched) {
          rc.flags.add('FI')
          return Response.redirect('https://elsewhere.example/next', 307)
        }
      },
      onResponse(_rc, res) {
        res.headers.append('x-tag-response', config.value)
      },
    }
  },
})

/** Records the order in which phases run. */
const orderFilter = defineFilter({
  name: 'order',
  status: 'alpha',
  description: 'Appends its label to x-order on the way in and out.',
  configSchema: z.strictObject({ label: z.string() }),
  create(config) {
    return {
      onRequest(rc) {
        rc.headers.append('x-order', `in:${config.label}`)
      },
      onResponse(_rc, res) {
        res.headers.append('x-order', `out:${config.label}`)
      },
    }
  },
})

function table(echo: string) {
  return {
    http_filters: [
      { name: 'order', config: { label: 'first' } },
      { name: 'tag' },
      { name: 'cors', disabled: true, config: { allow_origin_string_match: [{ exact: 'https://app.example' }] } },
    ],
    clusters: [{ name: 'echo', endpoints: [{ url: echo }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        filters: { tag: { value: 'vhost' } },
        routes: [
          { name: 'route-override', match: { prefix: '/route' }, filters: { tag: { value: 'route' }, cors: true }, forward: { cluster: 'echo' } },
          { name: 'off', match: { prefix: '/off' }, filters: { tag: false, order: false }, forward: { cluster: 'echo' } },
          { name: 'teapot', match: { prefix: '/teapot' }, filters: { tag: { teapot: true } }, forward: { cluster: 'echo' } },
          { name: 'explode', match: { prefix: '/explode' }, filters: { tag: { explode: true } }, forward: { cluster: 'echo' } },
          { name: 'fetched', match: { prefix: '/fetched' }, filters: { tag: { fetched: true } }, forward: { cluster: 'echo' } },
          { name: 'inherit', match: { prefix: '/' }, forward: { cluster: 'echo' } },
        ],
      },
    ],
  }
}

describe('the filter chain', () => {
  it('hands every response phase a mutable response, even when a filter answers with one whose headers are immutable', async () => {
    await publish(table(upstreams().echo[0]))
    const res = await makeGateway({ filters: [tagFilter, orderFilter] }).fetch('/fetched')
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe('https://elsewhere.example/next')
    expect(res.headers.get('x-order')).toBe('out:first')
    expect(res.headers.get('x-legate-response-flags')).toBe('FI')
  })

  it('runs filters in list order on the way in and reverse order on the way out', async () => {
    await publish(table(upstreams().echo[0]))
    const res = await makeGateway({ filters: [tagFilter, orderFilter] }).fetch('/x')
    expect((await echoOf(res.clone())).headers['x-order']).toBe('in:first')
    expect(res.headers.get('x-tag-response')).toBe('vhost')
    expect(res.headers.get('x-order')).toBe('out:first')
  })

  it('resolves config most specific first: route over virtual host over http_filters; false disables; true enables', async () => {
    await publish(table(upstreams().echo[0]))
    const gw = makeGateway({ filters: [tagFilter, orderFilter] })
    expect((await echoOf(await gw.fetch('/x'))).headers['x-tag']).toBe('vhost')
    const routed = await gw.fetch('/route', { headers: { origin: 'https://app.example' } })
    expect((await echoOf(routed.clone())).headers['x-tag']).toBe('route')
    expect(routed.headers.get('access-control-allow-origin')).toBe('https://app.example')
    // cors is disabled in the chain and not enabled on the inheriting route.
    expect((await gw.fetch('/x', { headers: { origin: 'https://app.example' } })).headers.get('access-control-allow-origin')).toBeNull()
    const off = await gw.fetch('/off')
    expect((await echoOf(off.clone())).headers['x-tag']).toBeUndefined()
    expect(off.headers.get('x-order')).toBeNull()
  })

  it('lets a filter answer locally; only earlier filters see the response', async () => {
    await publish(table(upstreams().echo[0]))
    const res = await makeGateway({ filters: [tagFilter, orderFilter] }).fetch('/teapot')
    expect(res.status).toBe(418)
    expect(await res.text()).toBe('short and stout')
    expect(res.headers.get('x-order')).toBe('out:first')
    expect(res.headers.get('x-tag-response')).toBeNull()
  })

  it('turns an exception in a filter into a 502 problem reply with the request id, never a raw error', async () => {
    await publish(table(upstreams().echo[0]))
    // The bug is logged with its stack for the operator: asserted here, not printed into the test output.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const res = await makeGateway({ filters: [tagFilter, orderFilter] }).fetch('/explode')
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('"msg":"unhandled error in the data plane"'))
    expect(logged.mock.calls[0]![0]).toContain('Error: boom')
    logged.mockRestore()
    expect(res.status).toBe(502)
    const body = (await res.json()) as Record<string, string>
    expect(body.code).toBe('ERR_INTERNAL')
    expect(body.request_id).toBe(res.headers.get('x-request-id'))
    expect(JSON.stringify(body)).not.toContain('boom')
  })

  it('refuses a table whose per-route override names a filter that is not in the chain', async () => {
    const t = table(upstreams().echo[0]) as any
    t.virtual_hosts[0].routes[0].filters.body_limit = { max_request_bytes: 10 }
    const { validateConfig } = await import('../../src/snapshot/validate.ts')
    const { createRegistry } = await import('../../src/filters/registry.ts')
    const r = validateConfig(t, createRegistry([tagFilter, orderFilter]))
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.issues).toContainEqual({
        path: 'virtual_hosts[0].routes[0].filters.body_limit',
        message: 'filter "body_limit" is not in http_filters (chain: order, tag, cors)',
      })
  })
})
