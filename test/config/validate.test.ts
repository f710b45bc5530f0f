import { describe, expect, it } from 'vitest'
import { formatIssues } from '../../src/config/issues.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'

const filters = createRegistry()
const base = () => ({
  clusters: [
    { name: 'users', endpoints: [{ url: 'http://127.0.0.1:9001' }] },
    { name: 'orders', endpoints: [{ url: 'https://orders.internal:8443', weight: 3 }, { service: 'ORDERS' }] },
  ],
  virtual_hosts: [{ name: 'api', domains: ['api.example.com'], routes: [{ name: 'u', match: { prefix: '/users' }, forward: { cluster: 'users' } }] }],
})
const errorsOf = (input: unknown) => {
  const r = validateConfig(input, filters)
  if (r.ok) throw new Error('expected the config to be rejected')
  return formatIssues(r.issues).split('\n')
}

describe('config validation', () => {
  it('accepts a valid table and fills Envoy defaults', () => {
    const r = validateConfig(base(), filters)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.gateway).toMatchObject({ refresh_interval: 5000, normalize_path: true, merge_slashes: true, escaped_slashes: 'unescape_and_redirect', xff_num_trusted_hops: 0 })
    const route = r.config.virtual_hosts[0]!.routes[0]!
    expect(route.forward).toMatchObject({ timeout: 15_000, cluster_not_found_response_code: 503 })
    expect(route.match.case_sensitive).toBe(true)
    expect(r.config.clusters[0]!.lb_policy).toBe('round_robin')
  })

  it('reports an unknown cluster with its path and the known names', () => {
    const c = base()
    c.virtual_hosts[0]!.routes.push({ name: 'v2', match: { prefix: '/v2' }, forward: { cluster: 'users-v2' } })
    expect(errorsOf(c)).toEqual(['virtual_hosts[0].routes[1].forward.cluster: unknown cluster "users-v2" (known: users, orders)'])
  })

  it('reports every error at once, schema and cross-reference alike', () => {
    const c = base() as any
    c.surprise = 1
    c.clusters.push({ name: 'users', endpoints: [{ url: 'ftp://x' }] })
    c.virtual_hosts[0].domains.push('*.a.*')
    c.virtual_hosts.push({ name: 'api', domains: ['API.example.com'], routes: [] })
    c.virtual_hosts[0].routes.push(
      { name: 'u', match: { prefix: '/x' }, forward: { cluster: 'nope' } },
      { match: { regex: '([a-z' }, direct_response: { status: 200 } },
      { match: { template: '/users/{id}' }, forward: { cluster: 'users', template_rewrite: '/v2/{uid}' } },
      { match: { regex: '/s/(.*)' }, forward: { cluster: 'users', regex_rewrite: { pattern: '^/s/(.*)$', substitution: '\\2' } } },
      { match: { prefix: '/t', methods: ['get'] }, forward: { cluster: 'users', timeout: '15' } },
      { match: { exact: '/d' }, direct_response: { status: 200, body: 'x'.repeat(5000) } },
      { match: { segment_prefix: '/ends/' }, redirect: { path_redirect: '/a', prefix_rewrite: '/b' } }
    )
    const errors = errorsOf(c)
    const expected = [
      'surprise: unknown key',
      'clusters[2].endpoints[0].url: expected an http(s) origin such as "https://api.internal:8443"',
      'clusters[2].name: duplicate cluster "users" (first defined at clusters[0].name)',
      'virtual_hosts[1].name: duplicate virtual host "api" (first defined at virtual_hosts[0].name)',
      'virtual_hosts[0].domains[1]: "*.a.*": a wildcard is "*", "*.suffix" or "prefix.*" (one "*", at an end)',
      'virtual_hosts[1].domains[0]: duplicate domain "api.example.com" (first defined at virtual_hosts[0].domains[0])',
      'virtual_hosts[0].routes[1].forward.cluster: unknown cluster "nope" (known: users, orders)',
      'virtual_hosts[0].routes[1].name: duplicate route name "u" (first defined at virtual_hosts[0].routes[0].name)',
      'virtual_hosts[0].routes[3].forward.template_rewrite: {uid} is not captured by the template "/users/{id}" (captures: id)',
      'virtual_hosts[0].routes[4].forward.regex_rewrite.substitution: substitution refers to \\2 but the pattern has 1 capture group(s)',
      'virtual_hosts[0].routes[5].match.methods[0]: methods are upper-case tokens such as GET',
      'virtual_hosts[0].routes[5].forward.timeout: expected a duration such as "15s", "250ms", "1m" or "1h"',
      'virtual_hosts[0].routes[6].direct_response.body: body is larger than gateway.max_direct_response_body_bytes (4096)',
      'virtual_hosts[0].routes[7].match.segment_prefix: must start with "/", not end with "/", and contain no "?" or "#"',
      'virtual_hosts[0].routes[7].redirect: set at most one path redirect: path_redirect, prefix_rewrite',
    ]
    for (const e of expected) expect(errors).toContain(e)
    expect(errors.some((e) => e.startsWith('virtual_hosts[0].routes[2].match.regex: invalid regex "([a-z"'))).toBe(true)
  })

  it('rejects a config with no virtual hosts, and non-objects, with a clear message', () => {
    expect(errorsOf({ clusters: [] })).toContain('virtual_hosts: Invalid input: expected array, received undefined')
    expect(errorsOf('hello')[0]).toMatch(/expected object/)
  })

  it('rejects host_rewrite on a cluster of origins (Workers sets Host from the URL)', () => {
    const c = base() as any
    c.virtual_hosts[0].routes[0].forward.host_rewrite = 'x.internal'
    expect(errorsOf(c)[0]).toContain('host_rewrite applies to service endpoints only')
  })

  it('rejects endpoints that are not bare origins, and empty clusters', () => {
    const c = base() as any
    c.clusters[0].endpoints = [{ url: 'http://127.0.0.1:9001/base' }, { url: 'http://a', service: 'B' }]
    c.clusters[1].endpoints = []
    const errors = errorsOf(c)
    expect(errors).toContain('clusters[0].endpoints[0].url: an endpoint is an origin: no path, query, fragment or credentials')
    expect(errors).toContain('clusters[0].endpoints[1]: set exactly one endpoint kind: url | service (got url, service)')
    expect(errors.some((e) => e.startsWith('clusters[1].endpoints:'))).toBe(true)
  })
})

// Issue 12 §2: these endpoint URLs made validateConfig throw (a refinement ran `new URL` after `.url()` failed).
describe('endpoint URLs that do not parse', () => {
  const BAD_URLS = ['http://1.2.3.4.5', 'http://127.0.0.1:99999', 'https://xn--', 'http://', 'http://[::1', 'http://a b', '//h', 'http://a\u0000b', `http://${'a'.repeat(1_000_000)}`]
  it.each(BAD_URLS.map((u) => [u.length > 40 ? `${u.slice(0, 20)}…(${u.length})` : JSON.stringify(u), u]))('%s is an issue at the url, not an exception', (_, url) => {
    const c = base() as any
    c.clusters[0].endpoints = [{ url }]
    const r = validateConfig(c, filters)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues.map((i) => i.path)).toContain('clusters[0].endpoints[0].url')
  })
})

describe('header value formatter', () => {
  it('rejects a malformed %OPERATOR% in virtual host and route mutations at validation, not at compile time', () => {
    const c = base() as any
    c.virtual_hosts[0].request_headers_to_add = [{ header: { key: 'x-a', value: 'a%20b' } }]
    c.virtual_hosts[0].routes[0].response_headers_to_add = [{ header: { key: 'x-b', value: '%REQ(x-id)% ok %%' } }]
    const errors = errorsOf(c)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^virtual_hosts\[0\]\.request_headers_to_add\[0\]\.header\.value: /)
  })
})

describe('trial compile', () => {
  it('reports what only building the table finds (a filter naming a missing cluster), with its path', () => {
    const c = base() as any
    c.http_filters = [{ name: 'ext_authz', disabled: true, config: { url: 'http://127.0.0.1:9' } }]
    // The override switches the service from `url` to `cluster`: null removes the inherited url (merge patch).
    c.virtual_hosts[0].routes[0].filters = { ext_authz: { cluster: 'authz-missing', url: null } }
    const errors = errorsOf(c)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^virtual_hosts\[0\]\.routes\[0\]\.filters\.ext_authz\.cluster: filter "ext_authz": .*authz-missing/)
  })
})
