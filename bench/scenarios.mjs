/**
 * What each benchmark scenario is: the request every system gets, the Legate route tables, the scenario list of
 * issue 7 (with the ones that cannot run yet, and why), and the checks that prove each system does the work its
 * scenario claims before it is measured.
 */

/** Every system gets exactly this request, with these headers (autocannon adds Host and Connection). */
export const LOAD_PATH = '/api/v1/users/42?page=1'
export const LOAD_HEADERS = { origin: 'https://app.example', accept: 'application/json', 'user-agent': 'legate-bench' }
/** The upstream echoes what it received on this path (same headers as the load request). */
export const ECHO_PATH = '/api/v1/__echo?page=1'
export const ALLOWED_ORIGIN = 'https://app.example'

/**
 * Legate's benchmark chain today. Stats, the access log and tracing run in every Legate scenario (they are on by
 * default). jwt_authn, rate_limit and retry policies exist but are not in the benchmark chain yet (they need JWKS
 * keys, a RateLimiter object and a retry-ready upstream in the harness): listed so the table says so.
 */
export const LEGATE_FULL_MISSING = ['jwt_authn', 'rate_limit', 'retry policy']
export const LEGATE_FULL_CHAIN = ['request_id', 'cors', 'header_mutation', 'body_limit', 'fault (0 %)']

function table(upstream, httpFilters) {
  return {
    http_filters: httpFilters,
    clusters: [{ name: 'upstream', endpoints: [{ url: upstream }] }],
    virtual_hosts: [
      { name: 'bench', domains: ['*'], routes: [{ name: 'all', match: { prefix: '/' }, forward: { cluster: 'upstream' } }] },
    ],
  }
}

/** legate-plain: one virtual host, one prefix route, no filters. */
export const legatePlainConfig = (upstream) => table(upstream, [])

/** legate-plain-unobserved: legate-plain with stats, access log and tracing off (issue 6's cost baseline). */
export const legatePlainUnobservedConfig = (upstream) => ({
  ...table(upstream, []),
  observability: { stats: { enabled: false }, access_log: { enabled: false }, tracing: { enabled: false } },
})

/** legate-full: every filter that exists today, doing the same work as bench/workers/hono-gateway.ts. */
export const legateFullConfig = (upstream) =>
  table(upstream, [
    { name: 'request_id', config: {} },
    { name: 'cors', config: { allow_origin_string_match: [{ exact: ALLOWED_ORIGIN }], expose_headers: 'x-request-id' } },
    {
      name: 'header_mutation',
      config: {
        request_mutations: [{ append: { header: { key: 'x-bench', value: 'legate' } } }],
        response_mutations: [{ append: { header: { key: 'x-bench-gateway', value: 'legate' } } }],
      },
    },
    { name: 'body_limit', config: { max_request_bytes: 1024 * 1024 } },
    { name: 'fault', config: { abort: { http_status: 503, percentage: 0 } } },
  ])

const RATE_LIMIT_SKIP = 'rate_limit exists (see bench/micro-ratelimit.ts) but is not wired into the load harness yet'

/**
 * The scenario list of issue 7, in the order rounds run them. `kind` says how the system is started:
 * worker (Miniflare, workerd direct socket), node (a forked Node process), nginx, or skip.
 */
export const SCENARIOS = [
  { name: 'bare', kind: 'worker', worker: 'bare', system: 'bare pass-through Worker (workerd)' },
  { name: 'legate-plain', kind: 'worker', worker: 'legate-plain', system: 'Legate (workerd)', legate: true },
  {
    name: 'legate-plain-unobserved',
    kind: 'worker',
    worker: 'legate-plain-unobserved',
    system: 'Legate (workerd)',
    legate: true,
    note: 'legate-plain with stats, access log and tracing off: the baseline for their cost (issue 6)',
  },
  {
    name: 'legate-full',
    kind: 'worker',
    worker: 'legate-full',
    system: 'Legate (workerd)',
    legate: true,
    note: `chain: ${LEGATE_FULL_CHAIN.join(' + ')}; built but not in the benchmark chain yet: ${LEGATE_FULL_MISSING.join(', ')}`,
  },
  { name: 'legate-ratelimit-exact', kind: 'skip', system: 'Legate (workerd)', legate: true, skipped: RATE_LIMIT_SKIP },
  { name: 'legate-ratelimit-leased', kind: 'skip', system: 'Legate (workerd)', legate: true, skipped: RATE_LIMIT_SKIP },
  {
    name: 'hono-handwritten',
    kind: 'worker',
    worker: 'hono-handwritten',
    system: 'hand-written Hono gateway (workerd)',
    note: 'same work as legate-full: request id, CORS, header mutation, body limit, fault at 0 %, proxy',
  },
  { name: 'fast-gateway', kind: 'node', system: 'fast-gateway (Node)', note: 'plain prefix route (a peer of legate-plain)' },
  { name: 'nginx', kind: 'nginx', system: 'nginx reverse proxy', note: 'plain proxy_pass with upstream keepalive (a native reference)' },
]

/**
 * Checks on one system before it is measured: the load request succeeds with the upstream's body, and, through the
 * echo path, the upstream really received what the scenario claims to send. Returns a list of failures.
 */
export async function checkSystem(name, base) {
  const failures = []
  const expect = (ok, what) => {
    if (!ok) failures.push(what)
  }
  const res = await fetch(new URL(LOAD_PATH, base), { headers: LOAD_HEADERS })
  const body = await res.text()
  expect(res.status === 200, `GET ${LOAD_PATH} answered ${res.status}: ${body.slice(0, 300)}`)
  expect(body.includes('bench-upstream'), 'the response body is not the upstream\'s')
  const echoRes = await fetch(new URL(ECHO_PATH, base), { headers: LOAD_HEADERS })
  const echo = echoRes.status === 200 ? await echoRes.json() : { headers: {} }
  expect(echoRes.status === 200, `GET ${ECHO_PATH} answered ${echoRes.status}`)
  const up = echo.headers ?? {}
  if (name.startsWith('legate') || name === 'hono-handwritten') {
    expect(Boolean(up['x-request-id']), 'no x-request-id upstream')
    expect(Boolean(up['x-forwarded-for']), 'no x-forwarded-for upstream')
    expect(Boolean(up['x-forwarded-proto']), 'no x-forwarded-proto upstream')
  }
  if (name === 'legate-full' || name === 'hono-handwritten') {
    expect(Boolean(up['x-bench']), 'the request header mutation (x-bench) did not reach the upstream')
    expect(res.headers.get('access-control-allow-origin') === ALLOWED_ORIGIN, 'no access-control-allow-origin on the response')
    expect(Boolean(res.headers.get('x-request-id')), 'no x-request-id on the response')
    expect(Boolean(res.headers.get('x-bench-gateway')), 'the response header mutation (x-bench-gateway) is missing')
    expect((res.headers.get('vary') ?? '').toLowerCase().includes('origin'), 'no Vary: Origin on the response')
  }
  return failures
}
