/**
 * @module Regex micro-benchmark: route match over a regex-heavy table, and V8 RegExp vs re2js on typical safe
 * patterns. Run: `npx tsx bench/micro-regex.ts`. Prints one JSON line per figure: `{ "name", "value", "unit" }`.
 */
import { RE2JS } from 're2js'
import { routeMatch, type RouteMatch } from '../src/config/schema.ts'
import { createRouteTable, type MatchInput } from '../src/router/routes.ts'

const RUNS = 11
const MATCHES_PER_RUN = 20_000
const OPS_PER_RUN = 100_000

/**
 * 200 regex routes in four shapes (indexed prefix, alternation, bounded repeat, no literal prefix: the last sits
 * at the trie root and is tried for every path), every fourth one with a header regex, then a catch-all.
 */
function buildRoutes(): RouteMatch[] {
  const routes: RouteMatch[] = []
  for (let i = 0; i < 200; i++) {
    const kind = i % 4
    const headers = i % 4 === 1 ? [{ name: 'x-tenant', regex: `tenant-[0-9]{1,6}` }] : []
    if (kind === 0) routes.push(routeMatch.parse({ regex: `/api/v[0-9]+/svc${i}/items/[0-9]+` }))
    else if (kind === 1) routes.push(routeMatch.parse({ regex: `/svc${i}/(users|groups)/[a-z0-9-]{1,64}/?`, headers }))
    else if (kind === 2) routes.push(routeMatch.parse({ regex: `/static${i}/[A-Za-z0-9._-]+\\.(png|jpg|css|js)` }))
    else routes.push(routeMatch.parse({ regex: `.*/svc${i}/health(/[a-z]+)?` }))
  }
  routes.push(routeMatch.parse({ prefix: '/' }))
  return routes
}

const req = (path: string, headers: Record<string, string> = {}): MatchInput => ({ path, method: 'GET', headers: new Headers(headers), search: '' })

/** A hit in the middle of the table and a miss that falls through to the catch-all after every root regex. */
const CASES = [
  { name: 'hit-101', input: req('/svc101/users/alice-42', { 'x-tenant': 'tenant-7' }), want: 101 },
  { name: 'hit-102', input: req('/static102/app.min.css'), want: 102 },
  { name: 'miss', input: req('/nothing/here/at/all'), want: 200 },
]

/** Typical safe patterns with an input each, full match as routes use them. */
const PATTERNS = [
  { name: 'path-version', source: '/api/v[0-9]+/users/[0-9]+', input: '/api/v2/users/123456' },
  { name: 'alternation', source: '/(users|groups|orgs)/[a-z0-9-]{1,64}', input: '/groups/platform-team' },
  { name: 'dot-star', source: '.*\\.(png|jpg|css|js)', input: '/assets/build/app.8f3a2c.min.js' },
  { name: 'origin', source: 'https://[a-z0-9-]+\\.example\\.com', input: 'https://tenant-42.example.com' },
]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => Number(process.hrtime.bigint())
const emit = (name: string, value: number, unit: string) =>
  console.log(JSON.stringify({ name, value: Number(value.toFixed(unit === 'ns' ? 1 : 3)), unit }))

/** Median ns per call of `fn` over RUNS runs of `n` calls, after one warm-up run. */
function time(fn: () => number, n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) sink += fn()
  const runs: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const t0 = now()
    for (let i = 0; i < n; i++) sink += fn()
    runs.push((now() - t0) / n)
  }
  if (sink === -1) throw new Error('unreachable: keeps the loop from being optimised away')
  return median(runs)
}

// Parsing checks every pattern (compiling it), the first build compiles it for matching: with re2js the second
// is a cache hit, so report both, cold, then a warm rebuild.
const t0 = now()
const routes = buildRoutes()
const t1 = now()
let table = createRouteTable(routes)
emit('regex-table-parse-201', (t1 - t0) / 1e6, 'ms')
emit('regex-table-first-build-201', (now() - t1) / 1e6, 'ms')
const builds: number[] = []
for (let b = 0; b < 5; b++) {
  const t0 = now()
  table = createRouteTable(routes)
  builds.push((now() - t0) / 1e6)
}
emit('regex-table-rebuild-201', median(builds), 'ms')
for (const c of CASES) {
  const got = table.match(c.input)?.index
  if (got !== c.want) throw new Error(`${c.name}: expected route ${c.want}, got ${got}`)
  emit(`regex-route-match-${c.name}`, time(() => table.match(c.input)!.index, MATCHES_PER_RUN), 'ns')
}
for (const p of PATTERNS) {
  const v8 = new RegExp(`^(?:${p.source})$`)
  const re2 = RE2JS.compile(p.source)
  if (!v8.test(p.input) || !re2.testExact(p.input)) throw new Error(`${p.name}: pattern does not match its input`)
  emit(`regex-v8-${p.name}`, time(() => (v8.test(p.input) ? 1 : 0), OPS_PER_RUN), 'ns')
  emit(`regex-re2js-${p.name}`, time(() => (re2.testExact(p.input) ? 1 : 0), OPS_PER_RUN), 'ns')
  emit(`regex-re2js-miss-${p.name}`, time(() => (re2.testExact(`${p.input}~`) ? 1 : 0), OPS_PER_RUN), 'ns')
  emit(`regex-re2js-compile-${p.name}`, time(() => RE2JS.compile(p.source).programSize(), 2_000), 'ns')
}
