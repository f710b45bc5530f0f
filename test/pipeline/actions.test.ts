import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'

/** One table exercising hosts, ordered routes, every action and rewrites, published once for the file. */
function table(echo: string[]) {
  return {
    clusters: [
      { name: 'a', endpoints: [{ url: echo[0] }] },
      { name: 'b', endpoints: [{ url: echo[1] }] },
      { name: 'c', endpoints: [{ url: echo[2] }] },
    ],
    virtual_hosts: [
      {
        name: 'exact',
        domains: ['api.example.com'],
        request_headers_to_add: [{ header: { key: 'x-level', value: 'vhost' } }],
        response_headers_to_add: [{ header: { key: 'x-resp', value: 'vhost' }, append_action: 'overwrite_if_exists_or_add' }],
        routes: [
          {
            name: 'users',
            match: { template: '/users/{id}/orders/{order}' },
            forward: { cluster: 'a', template_rewrite: '/v2/orders/{order}/of/{id}' },
            request_headers_to_add: [{ header: { key: 'x-level', value: 'route' } }],
            response_headers_to_add: [{ header: { key: 'x-resp', value: 'route' } }],
          },
          { name: 'svc', match: { regex: '/service/[^/]+/.*' }, forward: { cluster: 'a', regex_rewrite: { pattern: '^/service/([^/]+)(/.*)$', substitution: '\\2/instance/\\1' } } },
          { name: 'api-v1', match: { segment_prefix: '/api/v1' }, forward: { cluster: 'b', prefix_rewrite: '/internal' } },
          { name: 'only-post', match: { prefix: '/m', methods: ['POST'] }, direct_response: { status: 201, body: 'posted' } },
          { name: 'by-header', match: { prefix: '/m', headers: [{ name: 'x-canary', exact: 'yes' }] }, forward: { cluster: 'c' } },
          { name: 'by-query', match: { prefix: '/m', query_parameters: [{ name: 'v', exact: '2' }] }, direct_response: { status: 200, body: 'query v2' } },
          { name: 'by-cookie', match: { prefix: '/m', cookies: [{ name: 'beta', present: true }] }, direct_response: { status: 200, body: 'cookie beta' } },
          { name: 'm-fallback', match: { prefix: '/m' }, direct_response: { status: 200, body: 'fallback', headers: { 'x-d': '1' } } },
          { name: 'insensitive', match: { exact: '/CaSe', case_sensitive: false }, direct_response: { status: 200, body: 'case' } },
          { name: 'picked', match: { prefix: '/pick' }, forward: { cluster_header: 'x-cluster' } },
          { name: 'canary', match: { prefix: '/split' }, forward: { weighted_clusters: [{ name: 'a', weight: 0 }, { name: 'c', weight: 5 }] } },
        ],
      },
      {
        name: 'redirects',
        domains: ['old.example.com', 'old.example.net'],
        routes: [
          { name: 'https', match: { prefix: '/secure' }, redirect: { https_redirect: true } },
          { name: 'moved', match: { prefix: '/docs/' }, redirect: { prefix_rewrite: '/manual/', response_code: 308 } },
          { name: 'host', match: { prefix: '/away' }, redirect: { host_redirect: 'new.example.com', path_redirect: '/landing?from=old', response_code: 302 } },
          { name: 'strip', match: { prefix: '/strip' }, redirect: { path_redirect: '/clean', strip_query: true, port_redirect: 8443, scheme_redirect: 'https' } },
        ],
      },
      { name: 'suffix', domains: ['*.example.com'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: 'suffix' } }] },
      { name: 'longer-suffix', domains: ['*.eu.example.com'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: 'longer suffix' } }] },
      { name: 'prefix', domains: ['internal.*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: 'prefix' } }] },
      { name: 'fallback', domains: ['*'], routes: [{ match: { exact: '/' }, direct_response: { status: 200, body: 'star' } }] },
    ],
  }
}

const text = async (gw: ReturnType<typeof makeGateway>, url: string, init?: RequestInit) => (await gw.fetch(url, init)).text()

describe('routing and actions through the pipeline', () => {
  it('chooses virtual hosts by Envoy precedence, case-insensitively, ignoring the port', async () => {
    await publish(table(upstreams().echo))
    const gw = makeGateway()
    expect(await text(gw, 'http://API.Example.com:8080/m')).toBe('fallback')
    expect(await text(gw, 'http://x.eu.example.com/')).toBe('longer suffix')
    expect(await text(gw, 'http://www.example.com/')).toBe('suffix')
    expect(await text(gw, 'http://internal.corp/')).toBe('prefix')
    expect(await text(gw, 'http://elsewhere.org/')).toBe('star')
  })

  it('answers 404 NR with a problem body naming the virtual host when no route matches', async () => {
    await publish(table(upstreams().echo))
    const res = await makeGateway().fetch('http://elsewhere.org/nothing')
    expect(res.status).toBe(404)
    expect(res.headers.get('x-legate-response-flags')).toBe('NR')
    const body = (await res.json()) as Record<string, string>
    expect(body).toMatchObject({ code: 'ERR_ROUTE_NOT_FOUND', status: 404, title: expect.any(String) })
    expect(body.detail).toContain('"fallback"')
  })

  it('takes the first route whose predicates all hold, in order', async () => {
    await publish(table(upstreams().echo))
    const gw = makeGateway()
    const host = 'http://api.example.com'
    expect(await text(gw, `${host}/m`, { method: 'POST' })).toBe('posted')
    expect((await echoOf(await gw.fetch(`${host}/m`, { headers: { 'x-canary': 'yes' } }))).server).toBe('echo-c')
    expect(await text(gw, `${host}/m?v=2&v=3`)).toBe('query v2')
    expect(await text(gw, `${host}/m?v=3&v=2`)).toBe('fallback')
    expect(await text(gw, `${host}/m`, { headers: { cookie: 'a=1; beta=on' } })).toBe('cookie beta')
    expect(await text(gw, `${host}/case`)).toBe('case')
    const direct = await gw.fetch(`${host}/m`)
    expect(direct.headers.get('x-d')).toBe('1')
    expect(direct.headers.get('content-type')).toBe('text/plain; charset=utf-8')
  })

  it('rewrites paths with templates, regex captures and prefixes (segment_prefix does not match /api/v10)', async () => {
    await publish(table(upstreams().echo))
    const gw = makeGateway()
    const host = 'http://api.example.com'
    const t = await echoOf(await gw.fetch(`${host}/users/42/orders/7?x=1`))
    expect(t.url).toBe('/v2/orders/7/of/42?x=1')
    expect(t.headers['x-envoy-original-path']).toBe('/users/42/orders/7')
    expect((await echoOf(await gw.fetch(`${host}/service/foo/v1/api`))).url).toBe('/v1/api/instance/foo')
    expect((await echoOf(await gw.fetch(`${host}/api/v1/items`))).url).toBe('/internal/items')
    expect((await echoOf(await gw.fetch(`${host}/api/v1`))).url).toBe('/internal')
    expect((await gw.fetch(`${host}/api/v10`)).status).toBe(404)
  })

  it('applies header mutations in Envoy order: route first, then virtual host', async () => {
    await publish(table(upstreams().echo))
    const res = await makeGateway().fetch('http://api.example.com/users/1/orders/2')
    expect((await echoOf(res.clone())).headers['x-level']).toBe('route, vhost')
    expect(res.headers.get('x-resp')).toBe('vhost')
  })

  it('picks the cluster from a header, and answers 503 NC for an unknown one', async () => {
    await publish(table(upstreams().echo))
    const gw = makeGateway()
    expect((await echoOf(await gw.fetch('http://api.example.com/pick', { headers: { 'x-cluster': 'b' } }))).server).toBe('echo-b')
    const res = await gw.fetch('http://api.example.com/pick', { headers: { 'x-cluster': 'nope' } })
    expect(res.status).toBe(503)
    expect(res.headers.get('x-legate-response-flags')).toBe('NC')
    expect(((await res.json()) as { detail: string }).detail).toContain('"nope"')
  })

  it('never sends traffic to a weighted cluster of weight 0', async () => {
    await publish(table(upstreams().echo))
    const gw = makeGateway()
    for (let i = 0; i < 10; i++) expect((await echoOf(await gw.fetch('http://api.example.com/split'))).server).toBe('echo-c')
  })

  it('redirects: https, prefix rewrite with 308, host + path with query override, scheme/port/strip_query', async () => {
    await publish(table(upstreams().echo))
    const gw = makeGateway()
    const loc = async (url: string) => {
      const r = await gw.fetch(url)
      return [r.status, r.headers.get('location')]
    }
    expect(await loc('http://old.example.com/secure/x?a=1')).toEqual([301, 'https://old.example.com/secure/x?a=1'])
    expect(await loc('http://old.example.com/docs/intro?a=1')).toEqual([308, 'http://old.example.com/manual/intro?a=1'])
    expect(await loc('http://old.example.com/away?a=1')).toEqual([302, 'http://new.example.com/landing?from=old'])
    expect(await loc('http://old.example.com/strip?a=1')).toEqual([301, 'https://old.example.com:8443/clean'])
  })
})
