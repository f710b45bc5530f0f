/**
 * The one override rule (src/config/overrides.ts): an override merges over what it overrides, one level deep,
 * for every filter; route over virtual host over http_filters entry; errors in inherited fields are reported
 * where the field is written; inherited values are the entry's own objects (shared caches).
 */
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import { mergeOverrides, originOf } from '../../src/config/overrides.ts'

const FILTERS = createRegistry()
const route = (filters: unknown) => ({ name: 'r', match: { prefix: '/' }, filters, direct_response: { status: 200 } })
const table = (entry: unknown, vhFilters: unknown, routeFilters: unknown, name = 'fault') => ({
  http_filters: [{ name, config: entry }],
  virtual_hosts: [{ name: 'v', domains: ['*'], filters: vhFilters, routes: [route(routeFilters)] }],
})

function parsed(t: unknown) {
  const r = validateConfig(t, FILTERS, { trialCompile: false })
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  return r.config
}

describe('override merging', () => {
  it('a route inherits what it omits from its virtual host, which inherits from the entry; what it sets replaces', () => {
    const c = parsed(
      table(
        { delay: { fixed_delay: '1s', percentage: 10 }, max_active_faults: 5 },
        { fault: { abort: { http_status: 503, percentage: 1 } } },
        { fault: { delay: { fixed_delay: '2s', percentage: 50 } } }
      )
    )
    expect(c.virtual_hosts[0]!.filters!.fault).toMatchObject({ delay: { fixed_delay: 1000 }, abort: { http_status: 503 }, max_active_faults: 5 })
    // One level deep: `delay` is replaced as a whole, not merged field by field.
    expect(c.virtual_hosts[0]!.routes[0]!.filters!.fault).toMatchObject({ delay: { fixed_delay: 2000, percentage: 50 }, abort: { http_status: 503 }, max_active_faults: 5 })
  })

  it('an override needs only the fields it changes, even when the filter requires others (ext_authz names its service once)', () => {
    const t = {
      clusters: [{ name: 'authz', endpoints: [{ url: 'http://127.0.0.1:9' }] }],
      http_filters: [{ name: 'ext_authz', config: { cluster: 'authz', timeout: '1s' } }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [route({ ext_authz: { timeout: '2s' } })] }],
    }
    expect(parsed(t).virtual_hosts[0]!.routes[0]!.filters!.ext_authz).toMatchObject({ cluster: 'authz', timeout: 2000 })
  })

  it('`true` enables with the inherited config, `false` disables, and an override under `false` inherits from the entry', () => {
    const c = parsed(table({ abort: { http_status: 500, percentage: 1 } }, { fault: false }, { fault: { max_active_faults: 2 } }))
    expect(c.virtual_hosts[0]!.filters!.fault).toBe(false)
    expect(c.virtual_hosts[0]!.routes[0]!.filters!.fault).toMatchObject({ abort: { http_status: 500 }, max_active_faults: 2 })
  })

  it('reports an invalid inherited field once, where it is written; an invalid own field at the override', () => {
    const bad = validateConfig(table({ abort: { http_status: 99 } }, { fault: { max_active_faults: 1 } }, { fault: { max_active_faults: -1 } }), FILTERS)
    expect(bad.ok).toBe(false)
    const paths = !bad.ok ? bad.issues.map((i) => i.path) : []
    expect(paths).toContain('http_filters[0].config.abort.http_status')
    expect(paths).toContain('virtual_hosts[0].routes[0].filters.fault.max_active_faults')
    expect(paths.filter((p) => p.endsWith('abort.http_status'))).toHaveLength(1)
  })

  it('shares inherited values with the entry (jwt_authn providers: one JWKS cache), not copies', () => {
    const jwt = { providers: { idp: { issuer: 'https://id.test', remote_jwks: { uri: 'https://id.test/jwks' } } } }
    const r = validateConfig(table(jwt, undefined, { jwt_authn: { requires: { provider: 'idp' } } }, 'jwt_authn'), FILTERS, { trialCompile: false })
    if (!r.ok) return expect(r.issues).toEqual([])
    const entry = r.config.http_filters[0]!.config as { providers: unknown }
    const override = r.config.virtual_hosts[0]!.routes[0]!.filters!.jwt_authn as { providers: unknown }
    expect(override.providers).toBe(entry.providers)
  })

  it('null removes an inherited field: an override may switch between exclusive fields (ext_authz url → cluster)', () => {
    const t = {
      clusters: [{ name: 'authz', endpoints: [{ url: 'http://127.0.0.1:9' }] }],
      http_filters: [{ name: 'ext_authz', config: { url: 'http://127.0.0.1:9' } }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [route({ ext_authz: { cluster: 'authz', url: null } })] }],
    }
    const override = parsed(t).virtual_hosts[0]!.routes[0]!.filters!.ext_authz as Record<string, unknown>
    expect(override).toMatchObject({ cluster: 'authz' })
    expect(override.url).toBeUndefined()
    const both = validateConfig({ ...t, virtual_hosts: [{ name: 'v', domains: ['*'], routes: [route({ ext_authz: { cluster: 'authz' } })] }] }, FILTERS)
    expect(!both.ok && both.issues.map((i) => i.message)).toEqual(['set exactly one of url, cluster or service (got url, cluster)'])
  })

  it('originOf follows an inherited field to the config that sets it', () => {
    const { byPath } = mergeOverrides(table({ a: 1 }, { fault: { b: 2 } }, { fault: { c: 3 } }))
    expect(originOf('virtual_hosts[0].routes[0].filters.fault.a.x', byPath)).toBe('http_filters[0].config.a.x')
    expect(originOf('virtual_hosts[0].routes[0].filters.fault.b', byPath)).toBe('virtual_hosts[0].filters.fault.b')
    expect(originOf('virtual_hosts[0].routes[0].filters.fault.c', byPath)).toBe('virtual_hosts[0].routes[0].filters.fault.c')
  })
})
