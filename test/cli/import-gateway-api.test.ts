import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { legate, ROOT, tempFiles } from './helpers.ts'

const FIXTURES = join(ROOT, 'test/fixtures/gateway-api')
const BACKENDS = ['--backend', 'infra-backend-v1=http://127.0.0.1:9001', '--backend', 'infra-backend-v2=http://127.0.0.1:9002', '--backend', 'infra-backend-v3=http://127.0.0.1:9003']

const route = (name: string, spec: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: shop
spec:
${spec}`

interface Table {
  clusters: { name: string; endpoints: { url: string }[] }[]
  virtual_hosts: { name: string; domains: string[]; routes: { name: string; match: Record<string, unknown> }[] }[]
}

describe('legate import gateway-api', () => {
  it('writes a route table that legate validate accepts, with a note for each skipped kind', async () => {
    const dir = tempFiles()
    const out = join(dir, 'routes.yaml')
    const r = await legate('import', 'gateway-api', join(FIXTURES, 'httproute-redirect-port-and-scheme.yaml'), join(FIXTURES, 'httproute-matching.yaml'), ...BACKENDS, '-o', out)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('skipped Gateway')
    expect(r.stderr).toMatch(/wrote .*routes\.yaml: \d+ route\(s\) in 1 virtual host\(s\), 2 cluster\(s\)/)
    const text = readFileSync(out, 'utf8')
    expect(text).not.toContain('&a') // no YAML anchors: every route reads on its own
    const v = await legate('validate', out)
    expect(v.code, v.stderr).toBe(0)
    const t = parse(text) as Table
    expect(t.clusters.map((c) => c.name)).toEqual(['infra-backend-v1', 'infra-backend-v2'])
  })

  it('orders virtual hosts and routes by the Gateway API precedence across routes', async () => {
    const dir = tempFiles({
      'a.yaml': [
        route('zeta', `  hostnames: ["api.example.com"]\n  rules:\n  - matches: [{ path: { type: PathPrefix, value: /a } }]\n    backendRefs: [{ name: b1 }]`),
        route('alpha', `  hostnames: ["*.example.com"]\n  rules:\n  - matches: [{ path: { type: PathPrefix, value: /a/longer } }]\n    backendRefs: [{ name: b2 }]`),
        route('catchall', `  rules:\n  - matches: [{ path: { type: Exact, value: /a } }, { path: { type: RegularExpression, value: "/r/[0-9]+" } }]\n    backendRefs: [{ name: b1 }]`),
      ].join('\n---\n'),
    })
    const r = await legate('import', 'gateway-api', join(dir, 'a.yaml'), '--backend', 'b1=http://127.0.0.1:1', '--backend', 'b2=http://127.0.0.1:2')
    expect(r.code, r.stderr).toBe(0)
    const t = parse(r.stdout) as Table
    expect(t.virtual_hosts.map((v) => [v.name, v.domains])).toEqual([
      ['wildcard.example.com', ['*.example.com']],
      ['api.example.com', ['api.example.com']],
      ['any', ['*']],
    ])
    // The host's own route first, then the wildcard's (hostname specificity beats path length), then the routes
    // without hostnames: Exact before RegularExpression. A route in several virtual hosts keeps its name in the
    // first and is prefixed with the virtual host's name in the others (names are unique in a table).
    expect(t.virtual_hosts[1]!.routes.map((x) => x.name)).toEqual([
      'shop/zeta/rule-0',
      'api.example.com/shop/alpha/rule-0',
      'api.example.com/shop/catchall/rule-0/match-0',
      'api.example.com/shop/catchall/rule-0/match-1',
    ])
    expect(t.virtual_hosts[0]!.routes.map((x) => x.name)).toEqual(['shop/alpha/rule-0', 'shop/catchall/rule-0/match-0', 'shop/catchall/rule-0/match-1'])
    expect(t.virtual_hosts[2]!.routes.map((x) => x.match)).toEqual([{ exact: '/a' }, { regex: '/r/[0-9]+' }])
  })

  it('lists every backend without a --backend at once (exit 1, nothing written)', async () => {
    const dir = tempFiles()
    const r = await legate('import', 'gateway-api', join(FIXTURES, 'httproute-request-multiple-mirrors.yaml'), '--backend', 'infra-backend-v2=http://127.0.0.1:1', '-o', join(dir, 'x.yaml'))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no --backend NAME=URL for: infra-backend-v1, infra-backend-v3')
    expect(r.stderr).toContain('nothing was written')
  })

  it('names resource, rule and field of what Legate cannot express; --allow-partial leaves those rules out', async () => {
    const r = await legate('import', 'gateway-api', join(FIXTURES, 'httproute-rewrite-host.yaml'), ...BACKENDS)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('HTTPRoute gateway-conformance-infra/rewrite-host rules[0] spec.rules[0].filters[0].urlRewrite.hostname: ')
    expect(r.stderr).toContain('rules[2] spec.rules[2].filters[0].urlRewrite.hostname')
    expect(r.stdout).toBe('')

    const dir = tempFiles({
      'r.yaml': route(
        'mixed',
        `  rules:
  - matches: [{ path: { value: /ok } }]
    backendRefs: [{ name: b1 }]
  - name: cors
    matches: [{ path: { value: /cors } }]
    filters: [{ type: CORS, cors: {} }]
    backendRefs: [{ name: b1 }]
  - matches: [{ path: { value: /sticky } }]
    sessionPersistence: { type: Cookie }
    backendRefs: [{ name: b1, kind: ServiceImport, group: multicluster.x-k8s.io }]`
      ),
    })
    const strict = await legate('import', 'gateway-api', join(dir, 'r.yaml'), '--backend', 'b1=http://127.0.0.1:1')
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('HTTPRoute shop/mixed rules[1] (cors) spec.rules[1].filters[0].type: filter type CORS is not supported')
    expect(strict.stderr).toContain('HTTPRoute shop/mixed rules[2] spec.rules[2].sessionPersistence: sessionPersistence is not supported')
    expect(strict.stderr).toContain('spec.rules[2].backendRefs[0].kind: backendRef kind multicluster.x-k8s.io/ServiceImport is not supported')
    const partial = await legate('import', 'gateway-api', join(dir, 'r.yaml'), '--backend', 'b1=http://127.0.0.1:1', '--allow-partial')
    expect(partial.code, partial.stderr).toBe(0)
    expect(partial.stderr).toContain('warning: HTTPRoute shop/mixed rules[1] (cors)')
    const t = parse(partial.stdout) as Table
    expect(t.virtual_hosts[0]!.routes.map((x) => x.name)).toEqual(['shop/mixed/rule-0'])
  })

  it('maps filters, mirrors, weights, timeouts and retries onto the table', async () => {
    const dir = tempFiles({
      'r.yaml': route(
        'full',
        `  rules:
  - matches: [{ path: { type: PathPrefix, value: /api/ }, headers: [{ name: X-Tier, value: gold }, { name: x-tier, value: ignored }], method: GET }]
    filters:
    - type: URLRewrite
      urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: / } }
    - type: RequestMirror
      requestMirror: { backendRef: { name: shadow }, fraction: { numerator: 1, denominator: 4 } }
    - type: ResponseHeaderModifier
      responseHeaderModifier: { set: [{ name: X-Pct, value: "100%" }], remove: [server] }
    backendRefs: [{ name: b1, weight: 3 }, { name: b2, weight: 1 }]
    timeouts: { request: 1m30s, backendRequest: 10s }
    retry: { codes: [503], attempts: 2, backoff: 100ms }`
      ),
    })
    const r = await legate('import', 'gateway-api', join(dir, 'r.yaml'), '--backend', 'b1=http://127.0.0.1:1', '--backend', 'b2=http://127.0.0.1:2', '--backend', 'shadow=http://127.0.0.1:3')
    expect(r.code, r.stderr).toBe(0)
    const t = parse(r.stdout) as { virtual_hosts: { routes: Record<string, unknown>[] }[] }
    expect(t.virtual_hosts[0]!.routes[0]).toEqual({
      name: 'shop/full/rule-0',
      match: { segment_prefix: '/api', headers: [{ name: 'X-Tier', exact: 'gold' }], methods: ['GET'] },
      forward: {
        weighted_clusters: [{ name: 'b1', weight: 3 }, { name: 'b2', weight: 1 }],
        retry_policy: { retry_on: 'retriable-status-codes,connect-failure,reset', retriable_status_codes: [503], num_retries: 2, retry_back_off: { base_interval: '100ms' }, per_try_timeout: '10000ms' },
        timeout: '90000ms',
        request_mirror_policies: [{ cluster: 'shadow', runtime_fraction: 25 }],
        regex_rewrite: { pattern: '^/api/?', substitution: '/' },
      },
      response_headers_to_add: [{ header: { key: 'X-Pct', value: '100%%' }, append_action: 'overwrite_if_exists_or_add' }],
      response_headers_to_remove: ['server'],
    })
  })

  it("gives the table docs/import-gateway-api.md shows for its example HTTPRoute", async () => {
    const doc = readFileSync(join(ROOT, 'docs/import-gateway-api.md'), 'utf8')
    const section = doc.slice(doc.indexOf('## An example'), doc.indexOf('## How a route table comes out'))
    const [input, output] = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!)
    const command = /`legate (import gateway-api store\.yaml [^`]*)`/.exec(section)![1]!.split(' ')
    const dir = tempFiles({ 'store.yaml': input! })
    const r = await legate(...command.map((a) => (a === 'store.yaml' ? join(dir, a) : a)))
    expect(r.code, r.stderr).toBe(0)
    expect(parse(r.stdout)).toEqual(parse(output!))
  })

  it('is listed by legate --help; usage errors exit 2', async () => {
    expect((await legate('--help')).stdout).toContain('import')
    expect((await legate('import')).code).toBe(2)
    expect((await legate('import', 'swagger')).stderr).toContain('unknown import format "swagger"; formats: openapi, gateway-api')
    const bad = await legate('import', 'gateway-api', join(FIXTURES, 'httproute-matching.yaml'), '--backend', 'nourl')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('expected NAME=URL')
    expect((await legate('import', 'gateway-api', '/nonexistent.yaml')).code).toBe(2)
  })
})
