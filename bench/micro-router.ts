/**
 * @module Route-table micro-benchmark: build time and warm per-match time at 10 / 100 / 1,000 / 10,000 routes.
 * Also a table imported from a 1,000-operation OpenAPI description against a 12-operation one (issue 16).
 * Run: `npx tsx bench/micro-router.ts`. Prints one JSON line per figure: `{ "name", "value", "unit" }`.
 */
import { routeMatch, type RouteMatch } from '../src/config/schema.ts'
import { createRouteTable, type MatchInput } from '../src/router/routes.ts'

const SIZES = [10, 100, 1_000, 10_000] as const
const RUNS = 15
const MATCHES_PER_RUN = 100_000
const BUILDS_PER_SIZE = 5

/** A realistic mix: prefix, exact, regex and template routes under a shared `/api/v1/` prefix, then a catch-all. */
function buildRoutes(n: number): RouteMatch[] {
  const routes: RouteMatch[] = []
  for (let i = 0; i < n - 1; i++) {
    const kind = i % 4
    if (kind === 0) routes.push(routeMatch.parse({ prefix: `/api/v1/svc${i}/` }))
    else if (kind === 1) routes.push(routeMatch.parse({ exact: `/api/v1/svc${i}/health`, methods: ['GET'] }))
    else if (kind === 2) routes.push(routeMatch.parse({ regex: `/api/v1/svc${i}/items/[0-9]+` }))
    else routes.push(routeMatch.parse({ template: `/api/v1/svc${i}/users/{id}/orders/{order}` }))
  }
  routes.push(routeMatch.parse({ prefix: '/' }))
  return routes
}

/** A request for the template route closest to the middle of the table. */
function middleRequest(n: number): { input: MatchInput; want: number } {
  let want = Math.floor(n / 2)
  while (want % 4 !== 3) want--
  const input = { path: `/api/v1/svc${want}/users/42/orders/7`, method: 'GET', headers: new Headers(), search: '' }
  return { input, want }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => Number(process.hrtime.bigint())
const emit = (name: string, value: number, unit: string) =>
  console.log(JSON.stringify({ name, value: Number(value.toFixed(unit === 'ns' ? 1 : 3)), unit }))

// Build every table first, then time the sizes in turn within each run, so load on the machine during one
// run affects every size alike and the ratio stays meaningful.
const cases = SIZES.map((n) => {
  const routes = buildRoutes(n)
  const builds: number[] = []
  let table = createRouteTable(routes)
  for (let b = 0; b < BUILDS_PER_SIZE; b++) {
    const t0 = now()
    table = createRouteTable(routes)
    builds.push((now() - t0) / 1e6)
  }
  const { input, want } = middleRequest(n)
  const hit = table.match(input)
  if (hit?.index !== want) throw new Error(`size ${n}: expected route ${want}, got ${hit?.index}`)
  return { n, table, input, build: median(builds), runs: [] as number[] }
})
let sink = 0
for (const c of cases) for (let i = 0; i < MATCHES_PER_RUN; i++) sink += c.table.match(c.input)!.index // warm-up
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) {
    const t0 = now()
    for (let i = 0; i < MATCHES_PER_RUN; i++) sink += c.table.match(c.input)!.index
    c.runs.push((now() - t0) / MATCHES_PER_RUN)
  }
}
if (sink === 0) throw new Error('unreachable: keeps the loops from being optimised away')
for (const c of cases) {
  emit(`route-match-${c.n}`, median(c.runs), 'ns')
  emit(`route-table-build-${c.n}`, c.build, 'ms')
}
const first = cases[0]!
const last = cases[cases.length - 1]!
emit(`route-match-ratio-${last.n}-vs-${first.n}`, median(last.runs) / median(first.runs), 'x')

// Issue 16: a table imported from a 1,000-operation OpenAPI description (templates with methods, literal paths
// first) against one imported from a 12-operation description, matched at an operation in the middle.
{
  const { convert } = await import('../src/cli/import/openapi/convert.ts')
  const { largeSpec } = await import('./openapi-large-spec.ts')
  const imported = [12, 1000].map((ops) => {
    const vhost = (convert(largeSpec(ops), { cluster: { name: 'api', url: 'https://api.example.com' } }).table.virtual_hosts as { routes: { match: unknown }[] }[])[0]!
    const routes = vhost.routes.map((r) => routeMatch.parse(r.match))
    const table = createRouteTable(routes)
    const i = Math.floor(ops / 8) // an item path in the middle of the spec (4 operations per index)
    const input = { path: `/${['repos', 'orgs', 'users', 'gists', 'issues', 'pulls', 'teams', 'apps', 'checks', 'actions'][i % 10]}/octo/items-${i}/42`, method: 'PATCH', headers: new Headers(), search: '' }
    const hit = table.match(input)
    if (!hit || (routes[hit.index] as RouteMatch).methods[0] !== 'PATCH') throw new Error(`imported ${ops}: no PATCH route matched ${input.path}`)
    return { n: routes.length, table, input, runs: [] as number[] }
  })
  for (const c of imported) for (let i = 0; i < MATCHES_PER_RUN; i++) sink += c.table.match(c.input)!.index
  for (let r = 0; r < RUNS; r++)
    for (const c of imported) {
      const t0 = now()
      for (let i = 0; i < MATCHES_PER_RUN; i++) sink += c.table.match(c.input)!.index
      c.runs.push((now() - t0) / MATCHES_PER_RUN)
    }
  for (const c of imported) emit(`openapi-route-match-${c.n}`, median(c.runs), 'ns')
  emit(`openapi-route-match-ratio-${imported[1]!.n}-vs-${imported[0]!.n}`, median(imported[1]!.runs) / median(imported[0]!.runs), 'x')
}
