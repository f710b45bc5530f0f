/**
 * What each benchmark scenario is: the request every system gets, the Legate route tables, the scenario list of
 * issue 7 (with the ones that cannot run, and why), and the checks that prove each system does the work its
 * scenario claims before it is measured.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

/** Every system gets exactly this request (autocannon adds Host and Connection), headers from {@link loadHeaders}. */
export const LOAD_PATH = '/api/v1/users/42?page=1'
export const BASE_HEADERS = { origin: 'https://app.example', accept: 'application/json', 'user-agent': 'legate-bench' }
/** The request's headers: the browser-like ones and the run's bearer token. */
export const loadHeaders = (identity) => ({ ...BASE_HEADERS, authorization: `Bearer ${identity.token}` })
export const JWT_ISSUER = 'https://issuer.bench.example/'
export const JWT_AUDIENCE = 'bench-api'

/**
 * The run's JWT identity: an RS256 key pair made for this run only (nothing secret is stored), its public JWKS
 * (inline in Legate's `jwt_authn` provider and in the Hono gateway's `jwk` middleware), and one token for the
 * load request, valid for two hours.
 */
export async function createIdentity() {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const kid = 'bench-1'
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] }
  const token = await new SignJWT({ scope: 'users:read' })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey)
  return { jwks, token }
}
/** The upstream echoes what it received on this path (same headers as the load request). */
export const ECHO_PATH = '/api/v1/__echo?page=1'
export const ALLOWED_ORIGIN = 'https://app.example'

/** legate-full's chain, in order, as the table and docs name it; the route adds a retry policy. */
export const LEGATE_FULL_CHAIN = ['request_id', 'cors', 'jwt_authn', 'header_mutation', 'rate_limit (leased)', 'body_limit', 'fault (0 %)', 'retry policy']

function table(upstream, httpFilters, forward = {}, cluster = {}) {
  return {
    http_filters: httpFilters,
    clusters: [{ name: 'upstream', endpoints: [{ url: upstream }], ...cluster }],
    virtual_hosts: [
      { name: 'bench', domains: ['*'], routes: [{ name: 'all', match: { prefix: '/' }, forward: { cluster: 'upstream', ...forward } }] },
    ],
  }
}

/**
 * A global limit per client address that the load never reaches (1,000,000 a minute against a few thousand a
 * second), so every request pays for admission and none is refused. The load comes from one address: one hot key.
 */
const rateLimit = (mode) => ({
  name: 'rate_limit',
  config: { rate_limits: [{ name: 'per-client', actions: [{ remote_address: {} }], sliding_window: { requests_per_unit: 1_000_000, unit: 'minute' }, mode }] },
})

/** legate-plain: one virtual host, one prefix route, no filters. */
export const legatePlainConfig = (upstream) => table(upstream, [])

/** legate-plain-unobserved: legate-plain with stats, access log and tracing off (issue 6's cost baseline). */
export const legatePlainUnobservedConfig = (upstream) => ({ ...table(upstream, []), observability: UNOBSERVED })

/** Stats, access log and tracing off. */
export const UNOBSERVED = { stats: { enabled: false }, access_log: { enabled: false }, tracing: { enabled: false } }

/**
 * legate-plain-log-sampled: legate-plain with the access log as a busy production gateway would run it: every
 * error, 1 % of successes (stats and tracing on, as by default).
 */
export const legatePlainLogSampledConfig = (upstream) => ({
  ...table(upstream, []),
  observability: { access_log: { sample_successes_percent: 1 } },
})

/** jwt_authn against the run's JWKS (inline), one provider required on every route. */
const jwtAuthn = (identity) => ({
  name: 'jwt_authn',
  config: {
    providers: { bench: { issuer: JWT_ISSUER, audiences: [JWT_AUDIENCE], local_jwks: identity.jwks } },
    requires: { provider: 'bench' },
  },
})

/** legate-jwt: legate-plain behind jwt_authn (issue 4: a protected route keeps ≥ 80 % of the plain throughput). */
export const legateJwtConfig = (upstream, identity) => table(upstream, [jwtAuthn(identity)])

/**
 * legate-resilience: legate-plain with a retry policy, outlier detection and the shared failure-rate breaker
 * (issue 3: ≥ 90 % of the plain throughput). The upstream never fails, so this is the bookkeeping's cost.
 */
export const legateResilienceConfig = (upstream) =>
  table(upstream, [], { retry_policy: { retry_on: '5xx', num_retries: 2 } }, { outlier_detection: {}, failure_rate_breaker: {} })

/** legate-full: the whole chain, doing the same work as bench/workers/hono-gateway.ts. */
export const legateFullConfig = (upstream, identity) =>
  table(
    upstream,
    [
      { name: 'request_id', config: {} },
      { name: 'cors', config: { allow_origin_string_match: [{ exact: ALLOWED_ORIGIN }], expose_headers: 'x-request-id' } },
      jwtAuthn(identity),
      {
        name: 'header_mutation',
        config: {
          request_mutations: [{ append: { header: { key: 'x-bench', value: 'legate' } } }],
          response_mutations: [{ append: { header: { key: 'x-bench-gateway', value: 'legate' } } }],
        },
      },
      rateLimit('leased'),
      { name: 'body_limit', config: { max_request_bytes: 1024 * 1024 } },
      { name: 'fault', config: { abort: { http_status: 503, percentage: 0 } } },
    ],
    { retry_policy: { retry_on: '5xx', num_retries: 2 } }
  )

/**
 * legate-mirror: legate-plain with every request mirrored to a second upstream (issue 17: the primary route keeps
 * ≥ 90 % of legate-plain's throughput). `mirror` is that upstream's origin (bench/run.mjs starts it).
 */
export const legateMirrorConfig = (upstream, _identity, mirror = upstream) => {
  const t = table(upstream, [], { request_mirror_policies: [{ cluster: 'mirror' }] })
  t.clusters.push({ name: 'mirror', endpoints: [{ url: mirror }] })
  return t
}

/** legate-ratelimit-exact / -leased: legate-plain plus the global limit, counted in that mode. */
export const legateRateLimitConfig = (mode) => (upstream) => table(upstream, [rateLimit(mode)])

/** legate-openapi's request body: 10 properties, every one checked by the route's schema. */
export const OPENAPI_BODY = JSON.stringify({
  name: 'Ada Lovelace', email: 'ada@example.com', age: 36, active: true, role: 'admin',
  tags: ['math', 'engines'], score: 99.5, country: 'GB', address: { city: 'London', zip: 'W1' }, note: null,
})
/** legate-openapi's load request (every other scenario gets a GET of LOAD_PATH). */
export const OPENAPI_REQUEST = { method: 'POST', body: OPENAPI_BODY, headers: { 'content-type': 'application/json' } }

/**
 * legate-openapi (issue 16): POST /api/v1/users/{id} validated by openapi_validation as `legate import openapi`
 * writes it (the schema in the virtual host's shared definitions, the operation on the route): the path parameter,
 * the `page` query parameter and a 10-property JSON body. Everything else goes to a plain route.
 */
export const legateOpenapiConfig = (upstream) => {
  const user = {
    type: 'object',
    required: ['name', 'email', 'age', 'active', 'role'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      email: { type: 'string', format: 'email' },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      active: { type: 'boolean' },
      role: { type: 'string', enum: ['admin', 'member', 'guest'] },
      tags: { type: 'array', maxItems: 10, items: { type: 'string', pattern: '^[a-z]+$' } },
      score: { type: 'number', minimum: 0 },
      country: { type: 'string', minLength: 2, maxLength: 2 },
      address: { type: 'object', required: ['city'], properties: { city: { type: 'string' }, zip: { type: 'string' } } },
      note: { type: ['string', 'null'] },
    },
  }
  const operation = {
    path: '/api/v1/users/{id}',
    parameters: [
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
      { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } },
    ],
    request_body: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
  }
  const config = table(upstream, [{ name: 'openapi_validation', config: { mode: 'enforce' } }])
  const vhost = config.virtual_hosts[0]
  vhost.filters = { openapi_validation: { definitions: { components: { schemas: { User: user } } } } }
  vhost.routes.unshift({ name: 'create-user', match: { template: '/api/v1/users/{id}', methods: ['POST'] }, filters: { openapi_validation: { operation } }, forward: { cluster: 'upstream' } })
  return config
}

/**
 * legate-cache-hit: jwt_authn then the cache, per identity (the load request carries a bearer token), for an hour:
 * after the first request every one is a cache hit (issue 17: faster than the bare Worker fetching upstream).
 */
export const legateCacheHitConfig = (upstream, identity) =>
  table(upstream, [jwtAuthn(identity), { name: 'cache', config: { default_ttl: '1h', authorization: 'per_identity' } }])

/** What each floor Worker (bench/workers/floor.js) does the work of. */
const FLOOR_OF = {
  'floor-plain': 'legate-plain-unobserved',
  'floor-plain-minimal': 'a proxy that only strips hop-by-hop headers and sets x-forwarded-for and x-request-id',
  'floor-mirror': 'legate-mirror, observability off',
  'floor-cache-hit': 'legate-cache-hit (a hit from an in-isolate Map)',
  'floor-cache-hit-logged': 'legate-cache-hit with its default access line (floor-cache-hit + one line per hit)',
}

/**
 * The scenario list of issue 7, in the order rounds run them. `kind` says how the system is started:
 * worker (Miniflare, workerd direct socket), node (a forked Node process), nginx, or skip. A Legate scenario's
 * `config(upstream)` is the route table its Worker is seeded with. An `optIn` scenario runs only when named with --only.
 */
export const SCENARIOS = [
  { name: 'bare', kind: 'worker', worker: 'bare', system: 'bare pass-through Worker (workerd)' },
  { name: 'legate-plain', kind: 'worker', worker: 'legate-plain', system: 'Legate (workerd)', legate: true, config: legatePlainConfig },
  {
    name: 'legate-plain-unobserved',
    kind: 'worker',
    worker: 'legate-plain-unobserved',
    system: 'Legate (workerd)',
    legate: true,
    config: legatePlainUnobservedConfig,
    note: 'legate-plain with stats, access log and tracing off: the baseline for their cost (issue 6)',
  },
  {
    name: 'legate-plain-log-sampled',
    kind: 'worker',
    worker: 'legate-plain-log-sampled',
    system: 'Legate (workerd)',
    legate: true,
    config: legatePlainLogSampledConfig,
    note: 'legate-plain with the access log at every error + 1 % of successes (stats and tracing on)',
  },
  {
    name: 'legate-canary',
    kind: 'worker',
    worker: 'legate-canary',
    system: 'Legate (workerd)',
    legate: true,
    config: legatePlainConfig,
    canaryPercent: 50,
    note: 'legate-plain during a canary rollout at 50 %: both versions held, a sticky assignment and rollout.v<N>.* stats on every request (the load generator is one client, so one slice serves it)',
  },
  {
    name: 'legate-jwt',
    kind: 'worker',
    worker: 'legate-jwt',
    system: 'Legate (workerd)',
    legate: true,
    config: legateJwtConfig,
    note: 'legate-plain + jwt_authn (RS256, inline JWKS, verified-token cache on)',
  },
  {
    name: 'legate-openapi',
    kind: 'worker',
    worker: 'legate-openapi',
    system: 'Legate (workerd)',
    legate: true,
    config: legateOpenapiConfig,
    request: OPENAPI_REQUEST,
    note: 'POST of a 10-property JSON body (192 bytes) to a route validating it, its path and query with openapi_validation (enforce)',
  },
  {
    name: 'legate-plain-post',
    kind: 'worker',
    worker: 'legate-plain-post',
    system: 'Legate (workerd)',
    legate: true,
    config: legatePlainConfig,
    request: OPENAPI_REQUEST,
    note: 'legate-plain with legate-openapi\'s request: the same POST and body, not validated (the baseline of what validation costs, issue 16)',
  },
  {
    name: 'legate-resilience',
    kind: 'worker',
    worker: 'legate-resilience',
    system: 'Legate (workerd)',
    legate: true,
    config: legateResilienceConfig,
    note: 'legate-plain + retry policy (5xx, 2 retries) + outlier detection + shared failure-rate breaker',
  },
  {
    name: 'legate-full',
    kind: 'worker',
    worker: 'legate-full',
    system: 'Legate (workerd)',
    legate: true,
    config: legateFullConfig,
    note: `chain: ${LEGATE_FULL_CHAIN.join(' + ')}`,
  },
  {
    name: 'legate-ratelimit-exact',
    kind: 'worker',
    worker: 'legate-ratelimit-exact',
    system: 'Legate (workerd)',
    legate: true,
    config: legateRateLimitConfig('exact'),
    note: 'legate-plain + a global limit per client, exact mode: every request awaits the RateLimiter object',
  },
  {
    name: 'legate-ratelimit-leased',
    kind: 'worker',
    worker: 'legate-ratelimit-leased',
    system: 'Legate (workerd)',
    legate: true,
    config: legateRateLimitConfig('leased'),
    note: 'legate-plain + the same limit, leased mode: tokens granted in batches, spent locally',
  },
  {
    name: 'legate-mirror',
    kind: 'worker',
    worker: 'legate-mirror',
    system: 'Legate (workerd)',
    legate: true,
    config: legateMirrorConfig,
    note: 'legate-plain + request_mirror_policies: 100 % of requests copied to a second upstream (waitUntil)',
  },
  {
    name: 'legate-cache-hit',
    kind: 'worker',
    worker: 'legate-cache-hit',
    system: 'Legate (workerd)',
    legate: true,
    config: legateCacheHitConfig,
    note: 'jwt_authn + cache (per identity, 1 h): every measured request is a hit from the Cache API',
  },
  ...['floor-plain', 'floor-plain-minimal', 'floor-mirror', 'floor-cache-hit', 'floor-cache-hit-logged'].map((name) => ({
    name,
    kind: 'worker',
    worker: name,
    system: 'hand-written floor Worker (workerd)',
    optIn: true,
    note: `bench/workers/floor.js ${name}: the cheapest Worker doing the work of ${FLOOR_OF[name]} (issues 17, 18; runs only when named with --only)`,
  })),
  {
    name: 'hono-handwritten',
    kind: 'worker',
    worker: 'hono-handwritten',
    system: 'hand-written Hono gateway (workerd)',
    note: 'same work as legate-full: request id, CORS, JWT (hono/jwk), header mutation, rate limit (Workers Rate Limiting binding), body limit, fault at 0 %, retries, proxy',
  },
  { name: 'fast-gateway', kind: 'node', system: 'fast-gateway (Node)', note: 'plain prefix route (a peer of legate-plain)' },
  { name: 'nginx', kind: 'nginx', system: 'nginx reverse proxy', note: 'plain proxy_pass with upstream keepalive (a native reference)' },
]

/**
 * Checks on one system before it is measured: the load request succeeds with the upstream's body, and, through the
 * echo path, the upstream really received what the scenario claims to send. Returns a list of failures.
 */
export async function checkSystem(name, base, identity) {
  const headers = loadHeaders(identity)
  const failures = []
  const expect = (ok, what) => {
    if (!ok) failures.push(what)
  }
  const res = await fetch(new URL(LOAD_PATH, base), { headers })
  const body = await res.text()
  expect(res.status === 200, `GET ${LOAD_PATH} answered ${res.status}: ${body.slice(0, 300)}`)
  expect(body.includes('bench-upstream'), 'the response body is not the upstream\'s')
  const echoRes = await fetch(new URL(ECHO_PATH, base), { headers })
  const echo = echoRes.status === 200 ? await echoRes.json() : { headers: {} }
  expect(echoRes.status === 200, `GET ${ECHO_PATH} answered ${echoRes.status}`)
  const up = echo.headers ?? {}
  if (name.startsWith('legate') || name === 'hono-handwritten' || name === 'floor-plain' || name === 'floor-mirror') {
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
    // The JWT check is real: no token, no answer from the upstream.
    const anonymous = await fetch(new URL(LOAD_PATH, base), { headers: BASE_HEADERS })
    await anonymous.arrayBuffer()
    expect(anonymous.status === 401, `a request without the token answered ${anonymous.status}, not 401`)
  }
  if (name === 'legate-jwt') {
    const anonymous = await fetch(new URL(LOAD_PATH, base), { headers: BASE_HEADERS })
    await anonymous.arrayBuffer()
    expect(anonymous.status === 401, `a request without the token answered ${anonymous.status}, not 401`)
  }
  if (name === 'legate-openapi') {
    const post = (body) => fetch(new URL(LOAD_PATH, base), { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
    const valid = await post(OPENAPI_BODY)
    expect(valid.status === 200 && (await valid.text()).includes('bench-upstream'), `the valid POST answered ${valid.status}`)
    const invalid = await post(JSON.stringify({ ...JSON.parse(OPENAPI_BODY), age: -1 }))
    await invalid.arrayBuffer()
    expect(invalid.status === 400, `an invalid body answered ${invalid.status}, not 400: the validation did not run`)
  }
  if (name === 'legate-cache-hit' || name.startsWith('floor-cache-hit')) {
    const again = await fetch(new URL(LOAD_PATH, base), { headers })
    await again.arrayBuffer()
    expect(again.headers.get('x-cache') === 'HIT', `the second request was not a cache hit (x-cache: ${again.headers.get('x-cache')})`)
  }
  if (name === 'legate-full' || name.startsWith('legate-ratelimit')) {
    expect(res.headers.has('ratelimit-policy'), 'no RateLimit-Policy on the response: the rate limit did not run')
  }
  return failures
}
