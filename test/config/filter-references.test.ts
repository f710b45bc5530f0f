/**
 * A filter's reference error is reported at the field that holds the reference, in the config object it came
 * from (the http_filters entry or an override), not where the compile happened to instantiate it (issue 12 §2).
 */
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'

const filters = createRegistry()

function table(httpFilters: unknown[], routeFilters?: Record<string, unknown>, vhostFilters?: Record<string, unknown>) {
  return {
    http_filters: httpFilters,
    clusters: [{ name: 'app', endpoints: [{ url: 'http://127.0.0.1:9' }] }, { name: 'idp', endpoints: [{ url: 'http://127.0.0.1:9' }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        ...(vhostFilters ? { filters: vhostFilters } : {}),
        routes: [
          { name: 'api', match: { prefix: '/api' }, forward: { cluster: 'app' }, ...(routeFilters ? { filters: routeFilters } : {}) },
          { name: 'rest', match: { prefix: '/' }, forward: { cluster: 'app' } },
        ],
      },
    ],
  }
}

const issuesOf = (input: unknown) => {
  const r = validateConfig(input, filters)
  expect(r.ok).toBe(false)
  return r.ok ? [] : r.issues
}
const pathsOf = (input: unknown) => issuesOf(input).map((i) => i.path)

const remote = (cluster: string) => ({ remote_jwks: { cluster, path: '/jwks' } })

describe('filter reference errors point at the field', () => {
  it('jwt_authn: a dangling remote_jwks.cluster in a disabled entry, inherited by a route override, is reported in the entry', () => {
    const input = table(
      [{ name: 'jwt_authn', disabled: true, config: { providers: { idp: remote('ghost') } } }],
      { jwt_authn: { requires: { provider: 'idp' } } }
    )
    const issues = issuesOf(input)
    expect(issues.map((i) => i.path)).toEqual(['http_filters[0].config.providers.idp.remote_jwks.cluster'])
    expect(issues[0]!.message).toContain('remote_jwks.cluster "ghost" is not a cluster')
  })

  it('jwt_authn: the entry is checked even when every route that enables it overrides it', () => {
    const input = table(
      [{ name: 'jwt_authn', config: { providers: { good: remote('idp'), bad: remote('ghost') } } }],
      { jwt_authn: { providers: { good: remote('idp') } } },
      { jwt_authn: { providers: { good: remote('idp') } } }
    )
    expect(pathsOf(input)).toEqual(['http_filters[0].config.providers.bad.remote_jwks.cluster'])
  })

  it("jwt_authn: a provider defined by an override is reported at the override's field", () => {
    const input = table([{ name: 'jwt_authn', config: { providers: { idp: remote('idp') } } }], {
      jwt_authn: { providers: { own: remote('nowhere') } },
    })
    expect(pathsOf(input)).toEqual(['virtual_hosts[0].routes[0].filters.jwt_authn.providers.own.remote_jwks.cluster'])
  })

  it('jwt_authn: a requirement naming an unknown provider is reported at that requirement', () => {
    const base = { name: 'jwt_authn', config: { providers: { idp: remote('idp') } } }
    const input = table([base], { jwt_authn: { requires: { requires_any: [{ provider: 'idp' }, { provider: 'typo' }] } } })
    expect(pathsOf(input)).toEqual(['virtual_hosts[0].routes[0].filters.jwt_authn.requires.requires_any[1].provider'])
  })

  it('ext_authz: an unknown cluster is reported at the entry or at the override that names it', () => {
    expect(pathsOf(table([{ name: 'ext_authz', config: { cluster: 'ghost' } }]))).toEqual(['http_filters[0].config.cluster'])
    const viaVhost = table([{ name: 'ext_authz', config: { cluster: 'idp' } }], undefined, { ext_authz: { cluster: 'ghost' } })
    expect(pathsOf(viaVhost)).toEqual(['virtual_hosts[0].filters.ext_authz.cluster'])
    const disabled = table([{ name: 'ext_authz', disabled: true, config: { cluster: 'ghost' } }], { ext_authz: true })
    expect(pathsOf(disabled)).toEqual(['http_filters[0].config.cluster'])
  })

  it('an entry that is only the base of overrides may be incomplete on its own (no providers in the entry)', () => {
    const input = table([{ name: 'jwt_authn', disabled: true, config: { realm: 'api' } }], { jwt_authn: { providers: { own: remote('idp') } } })
    expect(validateConfig(input, filters)).toMatchObject({ ok: true })
  })

  it('a table whose references all resolve validates', () => {
    const input = table([{ name: 'jwt_authn', config: { providers: { idp: remote('idp') } } }, { name: 'ext_authz', config: { cluster: 'idp' } }], {
      jwt_authn: { requires: { provider: 'idp' } },
    })
    expect(validateConfig(input, filters)).toMatchObject({ ok: true })
  })
})
