/**
 * @module jwt_authn micro-benchmark: the filter's request phase on one token, per request.
 * - `jwt-verify-rs256-cold`: a token not in the verified-token cache (full RS256 signature check; keys imported)
 * - `jwt-verify-rs256-warm` / `jwt-verify-es256-warm`: a cache hit (LRU lookup keyed by the token, claim checks)
 * Run: `npx tsx bench/micro-jwt.ts`.
 * Prints one JSON line per figure: `{ "name", "value", "unit" }` (median of RUNS runs, microseconds per request).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { Env } from '../src/env.ts'
import { jwtAuthnConfig, jwtAuthnFilter } from '../src/filters/jwt-authn/index.ts'
import type { HttpFilter, RequestContext } from '../src/filters/types.ts'
import { createStatsStore } from '../src/observability/stats.ts'

const RUNS = 9
const COLD_PER_RUN = 300
const WARM_PER_RUN = 5_000

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => Number(process.hrtime.bigint())
const emit = (name: string, value: number, unit: string) => console.log(JSON.stringify({ name, value: Number(value.toFixed(2)), unit }))

const stats = createStatsStore()
const url = new URL('https://api.example.com/orders/42')
const request = new Request(url)

function context(authorization: string): RequestContext {
  const headers = new Headers({ authorization, 'content-type': 'application/json', 'user-agent': 'bench' })
  return {
    request,
    url: new URL(url),
    headers,
    header: (name) => headers.get(name),
    deleteHeader: (name) => headers.delete(name),
    body: null,
    method: 'GET',
    requestId: 'bench',
    clientAddress: '203.0.113.7',
    routeName: 'bench',
    vhostName: 'bench',
    env: {} as Env,
    waitUntil: () => {},
    flags: new Set(),
    identity: {},
    stats,
    state: {},
    startedAt: Date.now(),
    abortUpstream: () => {},
  }
}

async function setup(alg: 'RS256' | 'ES256', cacheSize: number) {
  const { publicKey, privateKey } = await generateKeyPair(alg)
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg }
  const filter = jwtAuthnFilter.create(
    jwtAuthnConfig.parse({ providers: { idp: { issuer: 'https://issuer.test', audiences: ['api'], local_jwks: { keys: [jwk] }, jwt_cache_size: cacheSize } } }),
    { scope: 'http_filters' }
  )
  const token = await new SignJWT({ sub: 'user-1', scope: 'orders:read', aud: 'api' })
    .setProtectedHeader({ alg, kid: 'k1' })
    .setIssuer('https://issuer.test')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey)
  return { filter, authorization: `Bearer ${token}` }
}

/** Contexts are built before the clock starts: the figure is the filter's own work. */
async function perRequest(filter: HttpFilter, authorization: string, n: number): Promise<number> {
  const contexts = Array.from({ length: n }, () => context(authorization))
  const t0 = now()
  for (const rc of contexts) await filter.onRequest!(rc)
  const elapsed = now() - t0
  for (const rc of contexts) if (rc.headers.has('authorization') || rc.state.jwt_authn === undefined) throw new Error('the token was refused')
  return elapsed / n / 1000
}

const cases = [
  { name: 'jwt-verify-rs256-cold', ...(await setup('RS256', 0)), n: COLD_PER_RUN, runs: [] as number[] },
  { name: 'jwt-verify-rs256-warm', ...(await setup('RS256', 100)), n: WARM_PER_RUN, runs: [] as number[] },
  { name: 'jwt-verify-es256-warm', ...(await setup('ES256', 100)), n: WARM_PER_RUN, runs: [] as number[] },
]
for (const c of cases) await perRequest(c.filter, c.authorization, Math.min(c.n, 500)) // warm-up (imports keys, JIT)
for (let r = 0; r < RUNS; r++) for (const c of cases) c.runs.push(await perRequest(c.filter, c.authorization, c.n))
for (const c of cases) emit(c.name, median(c.runs), 'us')
