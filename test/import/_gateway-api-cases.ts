/**
 * The expected results of the Gateway API HTTPRoute conformance tests covered here, transcribed from the suite's
 * .go files (kubernetes-sigs/gateway-api conformance/tests/httproute-*.go); the manifests are the suite's own.
 */
import { expect } from 'vitest'
import m303 from '../fixtures/gateway-api/httproute-303-redirect.yaml?raw'
import m307 from '../fixtures/gateway-api/httproute-307-redirect.yaml?raw'
import m308 from '../fixtures/gateway-api/httproute-308-redirect.yaml?raw'
import exact from '../fixtures/gateway-api/httproute-exact-path-matching.yaml?raw'
import headerMatching from '../fixtures/gateway-api/httproute-header-matching.yaml?raw'
import acrossRoutes from '../fixtures/gateway-api/httproute-matching-across-routes.yaml?raw'
import matching from '../fixtures/gateway-api/httproute-matching.yaml?raw'
import methodMatching from '../fixtures/gateway-api/httproute-method-matching.yaml?raw'
import namedRule from '../fixtures/gateway-api/httproute-named-rule.yaml?raw'
import omitted from '../fixtures/gateway-api/httproute-omitted-backendrefs.yaml?raw'
import pathOrder from '../fixtures/gateway-api/httproute-path-match-order.yaml?raw'
import queryMatching from '../fixtures/gateway-api/httproute-query-param-matching.yaml?raw'
import redirectHost from '../fixtures/gateway-api/httproute-redirect-host-and-status.yaml?raw'
import redirectPath from '../fixtures/gateway-api/httproute-redirect-path.yaml?raw'
import redirectPortAndScheme from '../fixtures/gateway-api/httproute-redirect-port-and-scheme.yaml?raw'
import redirectPort from '../fixtures/gateway-api/httproute-redirect-port.yaml?raw'
import redirectScheme from '../fixtures/gateway-api/httproute-redirect-scheme.yaml?raw'
import backendWeights from '../fixtures/gateway-api/httproute-request-header-modifier-backend-weights.yaml?raw'
import reqHeaders from '../fixtures/gateway-api/httproute-request-header-modifier.yaml?raw'
import mirror from '../fixtures/gateway-api/httproute-request-mirror.yaml?raw'
import multiMirror from '../fixtures/gateway-api/httproute-request-multiple-mirrors.yaml?raw'
import percentMirror from '../fixtures/gateway-api/httproute-request-percentage-mirror.yaml?raw'
import resHeaders from '../fixtures/gateway-api/httproute-response-header-modifier.yaml?raw'
import retryConnection from '../fixtures/gateway-api/httproute-retry-connection-error.yaml?raw'
import retry from '../fixtures/gateway-api/httproute-retry.yaml?raw'
import rewritePath from '../fixtures/gateway-api/httproute-rewrite-path.yaml?raw'
import simple from '../fixtures/gateway-api/httproute-simple-same-namespace.yaml?raw'
import timeoutBackend from '../fixtures/gateway-api/httproute-timeout-backend-request.yaml?raw'
import timeoutRequest from '../fixtures/gateway-api/httproute-timeout-request.yaml?raw'
import weight from '../fixtures/gateway-api/httproute-weight.yaml?raw'
import { attemptsOf, newKey } from '../resilience/helpers.ts'

export const MIRROR = mirror
export const MULTI_MIRROR = multiMirror

export interface Req {
  path: string
  host?: string
  method?: string
  headers?: Record<string, string>
  /** x-upstream-behavior for the test upstreams (the suite's echo server takes `?delay=` and retry parameters instead). */
  behave?: string
}
export interface Expect {
  backend?: 'v1' | 'v2' | 'v3'
  status?: number
  /** The path the backend received. */
  path?: string
  headers?: Record<string, string>
  absent?: string[]
  location?: { scheme?: string; host?: string; port?: string; path?: string }
  responseHeaders?: Record<string, string | null>
}
type Check = (req: Req, want: Expect, label: string) => Promise<void>
export interface ConformanceCase {
  test: string
  file: string
  manifest: string
  requests: [Req, Expect][]
  table?: (table: Record<string, unknown>) => void
  extra?: (gw: { fetch(input: string, init?: RequestInit): Promise<Response> }, check: Check) => Promise<void>
}

const get = (path: string, o: Omit<Req, 'path'> = {}): Req => ({ path, ...o })
const to = (backend: 'v1' | 'v2' | 'v3', o: Omit<Expect, 'backend'> = {}): Expect => ({ backend, ...o })
const NOT_FOUND: Expect = { status: 404 }
const redirect = (status: number, location: Expect['location'] = {}): Expect => ({ status, location })
const H = (headers: Record<string, string>) => ({ headers })
const modified = { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' }
const modifyIn = { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' }

export const CASES: ConformanceCase[] = [
  {
    test: 'HTTPRouteSimpleSameNamespace',
    file: 'httproute-simple-same-namespace.yaml',
    manifest: simple,
    requests: [[get('/'), to('v1')]],
  },
  {
    test: 'HTTPRouteMatching',
    file: 'httproute-matching.yaml',
    manifest: matching,
    requests: [
      [get('/'), to('v1')],
      [get('/example'), to('v1')],
      [get('/', H({ Version: 'one' })), to('v1')],
      [get('/v2'), to('v2')],
      [get('/v2/example'), to('v2')],
      [get('/', H({ Version: 'two' })), to('v2')],
      [get('/v2/'), to('v2')],
      [get('/v2example'), to('v1')],
      [get('/foo/v2/example'), to('v1')],
    ],
  },
  {
    test: 'HTTPRouteExactPathMatching',
    file: 'httproute-exact-path-matching.yaml',
    manifest: exact,
    requests: [
      [get('/one'), to('v1')],
      [get('/two'), to('v2')],
      [get('/'), NOT_FOUND],
      [get('/one/example'), NOT_FOUND],
      [get('/two/'), NOT_FOUND],
    ],
  },
  {
    test: 'HTTPRouteHeaderMatching',
    file: 'httproute-header-matching.yaml',
    manifest: headerMatching,
    requests: [
      [get('/', H({ Version: 'one' })), to('v1')],
      [get('/', H({ Version: 'two' })), to('v2')],
      [get('/', H({ Version: 'two', Color: 'orange' })), to('v1')],
      [get('/', H({ Version: 'two', Color: 'blue' })), to('v2')],
      [get('/', H({ Color: 'orange' })), NOT_FOUND],
      [get('/', H({ 'Some-Other-Header': 'one' })), NOT_FOUND],
      [get('/', H({ Color: 'blue' })), to('v1')],
      [get('/', H({ Color: 'green' })), to('v1')],
      [get('/', H({ Color: 'red' })), to('v2')],
      [get('/', H({ Color: 'yellow' })), to('v2')],
      [get('/', H({ Color: 'purple' })), NOT_FOUND],
    ],
  },
  {
    test: 'HTTPRouteQueryParamMatching',
    file: 'httproute-query-param-matching.yaml',
    manifest: queryMatching,
    requests: [
      [get('/?animal=whale'), to('v1')],
      [get('/?animal=dolphin'), to('v2')],
      [get('/?animal=dolphin&color=blue'), to('v3')],
      [get('/?ANIMAL=Whale'), to('v3')],
      [get('/?animal=whale&otherparam=irrelevant'), to('v1')],
      [get('/?animal=dolphin&color=yellow'), to('v2')],
      [get('/?color=blue'), NOT_FOUND],
      [get('/?animal=dog'), NOT_FOUND],
      [get('/?animal=whaledolphin'), NOT_FOUND],
      [get('/'), NOT_FOUND],
      [get('/path1?animal=whale'), to('v1')],
      [get('/?animal=whale', H({ version: 'one' })), to('v2')],
      [get('/path2?animal=whale', H({ version: 'two' })), to('v3')],
      [get('/path3?animal=shark'), to('v1')],
      [get('/path4?animal=kraken', H({ version: 'three' })), to('v1')],
      [get('/?animal=shark'), NOT_FOUND],
      [get('/path4?animal=kraken'), NOT_FOUND],
      [get('/path5?animal=hydra'), to('v1')],
      [get('/?animal=hydra', H({ version: 'four' })), to('v3')],
    ],
  },
  {
    test: 'HTTPRouteMethodMatching',
    file: 'httproute-method-matching.yaml',
    manifest: methodMatching,
    requests: [
      [get('/', { method: 'POST' }), to('v1')],
      [get('/', { method: 'GET' }), to('v2')],
      [get('/', { method: 'HEAD' }), NOT_FOUND],
      [get('/path1', { method: 'GET' }), to('v1')],
      [get('/', { method: 'PUT', headers: { version: 'one' } }), to('v2')],
      [get('/path2', { method: 'POST', headers: { version: 'two' } }), to('v3')],
      [get('/path3', { method: 'PATCH' }), to('v1')],
      [get('/path4', { method: 'DELETE', headers: { version: 'three' } }), to('v1')],
      [get('/', { method: 'PUT' }), NOT_FOUND],
      [get('/path4', { method: 'DELETE' }), NOT_FOUND],
      [get('/path5', { method: 'PATCH' }), to('v1')],
      [get('/', { method: 'PATCH', headers: { version: 'four' } }), to('v2')],
    ],
  },
  {
    test: 'HTTPRouteMatchingAcrossRoutes',
    file: 'httproute-matching-across-routes.yaml',
    manifest: acrossRoutes,
    requests: [
      [get('/', { host: 'example.com' }), to('v1')],
      [get('/example', { host: 'example.com' }), to('v1')],
      [get('/example', { host: 'example.net' }), to('v1')],
      [get('/example', { host: 'example.com', headers: { Version: 'one' } }), to('v1')],
      [get('/v2', { host: 'example.com' }), to('v2')],
      [get('/v2', { host: 'example.net' }), to('v1')],
      [get('/v2/example', { host: 'example.com' }), to('v2')],
      [get('/', { host: 'example.com', headers: { Version: 'two' } }), to('v2')],
    ],
  },
  {
    test: 'HTTPRoutePathMatchOrder',
    file: 'httproute-path-match-order.yaml',
    manifest: pathOrder,
    requests: [
      [get('/match/exact/one'), to('v3')],
      [get('/match/exact'), to('v2')],
      [get('/match'), to('v1')],
      [get('/match/prefix/one/any'), to('v2')],
      [get('/match/prefix/any'), to('v1')],
      [get('/match/any'), to('v3')],
    ],
  },
  {
    test: 'HTTPRouteRequestHeaderModifier',
    file: 'httproute-request-header-modifier.yaml',
    manifest: reqHeaders,
    requests: [
      [get('/set', H({ 'Some-Other-Header': 'val' })), to('v1', { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } })],
      [get('/set', H({ 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' })), to('v1', { headers: { 'X-Header-Set': 'set-overwrites-values' } })],
      [get('/add', H({ 'Some-Other-Header': 'val' })), to('v1', { headers: { 'X-Header-Add': 'add-appends-values' } })],
      [get('/add', H({ 'X-Header-Add': 'some-other-value' })), to('v1', { headers: { 'X-Header-Add': 'some-other-value,add-appends-values' } })],
      [get('/remove', H({ 'X-Header-Remove': 'val' })), to('v1', { absent: ['X-Header-Remove'] })],
      [
        get('/multiple', H({ 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val' })),
        to('v1', {
          headers: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'X-Header-Add-3': 'header-add-3', 'Another-Header': 'another-header-val' },
          absent: ['X-Header-Remove-1', 'X-Header-Remove-2'],
        }),
      ],
      [
        get('/case-insensitivity', H({ 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' })),
        to('v1', { headers: { 'X-Header-Set': 'header-set', 'X-Header-Add': 'original-val-add,header-add', 'Another-Header': 'another-header-val' }, absent: ['x-header-remove'] }),
      ],
    ],
  },
  {
    // The suite's echo server also sets response headers the request asks for (BackendSetResponseHeaders); the
    // test upstreams do not, so only the headers the gateway itself adds are checked.
    test: 'HTTPRouteResponseHeaderModifier (partial)',
    file: 'httproute-response-header-modifier.yaml',
    manifest: resHeaders,
    requests: [
      [get('/set'), to('v1', { responseHeaders: { 'X-Header-Set': 'set-overwrites-values' } })],
      [get('/add'), to('v1', { responseHeaders: { 'X-Header-Add': 'add-appends-values' } })],
      [get('/multiple'), to('v1', { responseHeaders: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-3': 'header-add-3' } })],
      [
        get('/case-insensitivity'),
        to('v1', { responseHeaders: { 'X-Header-Set': 'header-set', 'x-lowercase-add': 'lowercase-add', 'X-Mixedcase-ADD-1': 'mixedcase-add-1', 'X-UPPERCASE-ADD': 'uppercase-add' } }),
      ],
      [
        get('/response-and-request-header-modifiers', H(modifyIn)),
        to('v1', { headers: { 'X-Header-Set': 'set-overwrites-values', 'X-Header-Add-Append': 'append-val-1,header-val-2' }, absent: ['X-Header-Remove'], responseHeaders: { 'X-Header-Set-1': 'header-set-1' } }),
      ],
    ],
  },
  {
    test: 'HTTPRouteRedirectHostAndStatus',
    file: 'httproute-redirect-host-and-status.yaml',
    manifest: redirectHost,
    requests: [
      [get('/hostname-redirect'), redirect(302, { host: 'example.org' })],
      [get('/host-and-status'), redirect(301, { host: 'example.org' })],
    ],
  },
  {
    test: 'HTTPRouteRedirectPath',
    file: 'httproute-redirect-path.yaml',
    manifest: redirectPath,
    requests: [
      [get('/original-prefix/lemon'), redirect(302, { path: '/replacement-prefix/lemon' })],
      [get('/full/path/original'), redirect(302, { path: '/full-path-replacement' })],
      [get('/path-and-host'), redirect(302, { host: 'example.org', path: '/replacement-prefix' })],
      [get('/path-and-status'), redirect(301, { path: '/replacement-prefix' })],
      [get('/full-path-and-host'), redirect(302, { host: 'example.org', path: '/replacement-full' })],
      [get('/full-path-and-status'), redirect(301, { path: '/replacement-full' })],
    ],
  },
  {
    test: 'HTTPRouteRedirectScheme',
    file: 'httproute-redirect-scheme.yaml',
    manifest: redirectScheme,
    requests: [
      [get('/scheme'), redirect(302, { scheme: 'https' })],
      [get('/scheme-and-host'), redirect(302, { scheme: 'https', host: 'example.org' })],
      [get('/scheme-and-status'), redirect(301, { scheme: 'https' })],
      [get('/scheme-and-host-and-status'), redirect(302, { scheme: 'https', host: 'example.org' })],
    ],
  },
  {
    test: 'HTTPRouteRedirectPort',
    file: 'httproute-redirect-port.yaml',
    manifest: redirectPort,
    requests: [
      [get('/port'), redirect(302, { port: '8083' })],
      [get('/port-and-host'), redirect(302, { host: 'example.org', port: '8083' })],
      [get('/port-and-status'), redirect(301, { port: '8083' })],
      [get('/port-and-host-and-status'), redirect(302, { host: 'example.org', port: '8083' })],
    ],
  },
  {
    // Only the routes of the port-80 listener: Legate has no listeners, so the same paths on the 8080 and 8443
    // listeners cannot differ; they sort after the port-80 route (namespace/name) and are never reached.
    test: 'HTTPRouteRedirectPortAndScheme (port 80 listener)',
    file: 'httproute-redirect-port-and-scheme.yaml',
    manifest: redirectPortAndScheme,
    requests: [
      [get('/scheme-nil-and-port-nil'), redirect(302, { scheme: 'http', host: 'example.org' })],
      [get('/scheme-nil-and-port-80'), redirect(302, { scheme: 'http', host: 'example.org' })],
      [get('/scheme-nil-and-port-8080'), redirect(302, { scheme: 'http', host: 'example.org', port: '8080' })],
      [get('/scheme-https-and-port-nil'), redirect(302, { scheme: 'https', host: 'example.org' })],
      [get('/scheme-https-and-port-443'), redirect(302, { scheme: 'https', host: 'example.org' })],
      [get('/scheme-https-and-port-8443'), redirect(302, { scheme: 'https', host: 'example.org', port: '8443' })],
    ],
  },
  { test: 'HTTPRoute303Redirect', file: 'httproute-303-redirect.yaml', manifest: m303, requests: [[get('/see-other', { method: 'POST' }), redirect(303)]] },
  { test: 'HTTPRoute307Redirect', file: 'httproute-307-redirect.yaml', manifest: m307, requests: [[get('/temporary'), redirect(307)]] },
  { test: 'HTTPRoute308Redirect', file: 'httproute-308-redirect.yaml', manifest: m308, requests: [[get('/permanent'), redirect(308)]] },
  {
    test: 'HTTPRouteRewritePath',
    file: 'httproute-rewrite-path.yaml',
    manifest: rewritePath,
    requests: [
      [get('/prefix/one/two'), to('v1', { path: '/one/two' })],
      [get('/strip-prefix/three'), to('v1', { path: '/three' })],
      [get('/strip-prefix'), to('v1', { path: '/' })],
      [get('/full/one/two'), to('v1', { path: '/one' })],
      [get('/full/rewrite-path-and-modify-headers/test', H(modifyIn)), to('v1', { path: '/test', headers: modified, absent: ['X-Header-Remove'] })],
      [get('/prefix/rewrite-path-and-modify-headers/one', H(modifyIn)), to('v1', { path: '/prefix/one', headers: modified, absent: ['X-Header-Remove'] })],
    ],
  },
  {
    test: 'HTTPRouteNamedRule',
    file: 'httproute-named-rule.yaml',
    manifest: namedRule,
    requests: [
      [get('/named'), to('v1')],
      [get('/unnamed'), to('v2')],
    ],
    table: (t) => expect(JSON.stringify(t)).toContain('"gateway-conformance-infra/http-named-rules/named-rule"'),
  },
  {
    test: 'HTTPRouteOmittedBackendRefs',
    file: 'httproute-omitted-backendrefs.yaml',
    manifest: omitted,
    requests: [
      [get('/forward'), to('v1')],
      [get('/omitted-no-forward'), { status: 500 }],
      [get('/empty-no-forward'), { status: 500 }],
    ],
  },
  {
    test: 'HTTPRouteTimeoutRequest',
    file: 'httproute-timeout-request.yaml',
    manifest: timeoutRequest,
    requests: [
      [get('/request-timeout'), { status: 200 }],
      [get('/request-timeout', { behave: 'delay=1000' }), { status: 504 }],
      [get('/disable-request-timeout', { behave: 'delay=1000' }), { status: 200 }],
    ],
  },
  {
    test: 'HTTPRouteTimeoutBackendRequest',
    file: 'httproute-timeout-backend-request.yaml',
    manifest: timeoutBackend,
    requests: [
      [get('/backend-timeout'), { status: 200 }],
      [get('/backend-timeout', { behave: 'delay=1000' }), { status: 504 }],
      [get('/disable-backend-timeout', { behave: 'delay=1000' }), { status: 200 }],
    ],
  },
  {
    test: 'HTTPRouteRetry',
    file: 'httproute-retry.yaml',
    manifest: retry,
    requests: [],
    async extra(_gw, check) {
      // [path, responseCode, succeedAfter, expected status, attempts the backend saw]
      const runs: [string, number, number, number, number][] = [
        ['/retry/code-500-attempts-3', 500, 2, 200, 3],
        ['/retry/code-500-attempts-3', 500, 4, 500, 4],
        ['/retry/code-500-attempts-3', 503, 2, 503, 1],
        ['/retry/code-all-attempts-2', 500, 1, 200, 2],
        ['/retry/code-all-attempts-2', 500, 3, 500, 3],
        ['/retry/code-all-attempts-2', 502, 1, 200, 2],
      ]
      for (const [path, code, after, status, attempts] of runs) {
        const key = newKey()
        await check(get(path, { behave: `status=${code};fail-times=${after};key=${key}` }), { status }, `${path} ${code}×${after}`)
        expect((await attemptsOf(key)).attempts, `${path} ${code}×${after}`).toBe(attempts)
      }
    },
  },
  {
    test: 'HTTPRouteRetryConnectionError',
    file: 'httproute-retry-connection-error.yaml',
    manifest: retryConnection,
    requests: [],
    async extra(_gw, check) {
      // The connection is reset before any response, succeedAfter times; the suite accepts 500 or 503 on failure.
      for (const [after, status, attempts] of [[2, 200, 3], [4, 503, 4]] as const) {
        const key = newKey()
        await check(get('/retry/no-status-code-attempts-3', { behave: `reset;fail-times=${after};key=${key}` }), { status }, `reset×${after}`)
        expect((await attemptsOf(key)).attempts, `reset×${after}`).toBe(attempts)
      }
    },
  },
  {
    test: 'HTTPRouteWeight',
    file: 'httproute-weight.yaml',
    manifest: weight,
    requests: [],
    async extra(gw) {
      const seen: Record<string, number> = {}
      for (let i = 0; i < 100; i++) {
        const res = await gw.fetch('/')
        const server = res.headers.get('x-upstream') ?? String(res.status)
        seen[server] = (seen[server] ?? 0) + 1
        await res.arrayBuffer()
      }
      expect(seen['echo-c']).toBeUndefined() // weight 0
      expect(seen['echo-a']).toBeGreaterThan(50) // 70 ± 4.6 (binomial): outside 51..89 once in ~10^5 runs
      expect(seen['echo-a']).toBeLessThan(90)
      expect((seen['echo-a'] ?? 0) + (seen['echo-b'] ?? 0)).toBe(100)
    },
  },
  {
    test: 'HTTPRouteRequestHeaderModifierBackendWeights',
    file: 'httproute-request-header-modifier-backend-weights.yaml',
    manifest: backendWeights,
    requests: [],
    async extra(gw) {
      const seen = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const res = await gw.fetch('/')
        const e = (await res.json()) as { server: string; headers: Record<string, string> }
        expect(e.headers.backend).toBe(e.server === 'echo-a' ? 'infra-backend-v1' : 'infra-backend-v2')
        seen.add(e.server)
      }
      expect([...seen].sort()).toEqual(['echo-a', 'echo-b']) // both, once in ~500,000 runs not
    },
  },
  {
    test: 'HTTPRouteRequestPercentageMirror',
    file: 'httproute-request-percentage-mirror.yaml',
    manifest: percentMirror,
    requests: [[get('/percent-mirror'), to('v1')]],
    table: (t) => {
      const policies = JSON.stringify(t).match(/"request_mirror_policies":\[[^\]]*\]/g)
      expect(policies).toEqual([
        '"request_mirror_policies":[{"cluster":"infra-backend-v2","runtime_fraction":35}]',
        '"request_mirror_policies":[{"cluster":"infra-backend-v2","runtime_fraction":50}]',
        '"request_mirror_policies":[{"cluster":"infra-backend-v2","runtime_fraction":20}]',
      ])
    },
    async extra(gw) {
      const key = newKey()
      for (let i = 0; i < 40; i++) await (await gw.fetch('/percent-mirror-fraction', { headers: { 'x-upstream-behavior': `key=${key}` } })).arrayBuffer()
      // Mirrors run in waitUntil; what arrived by now is a lower bound, and 50 % of 40 is neither 0 nor 40.
      const byServer = (await attemptsOf(key)).byServer
      expect(byServer['echo-a']).toBe(40)
      expect(byServer['echo-b'] ?? 0).toBeLessThan(40)
    },
  },
]
