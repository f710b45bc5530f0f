import { describe, expect, it } from 'vitest'
import type { RouteMatch } from '../../src/config/schema.ts'
import { createRouteTable } from '../../src/router/routes.ts'
import { createRng, req, rm } from './_helpers.ts'
import { createNaiveMatcher } from './_naive.ts'

/** 10,000 routes: five path kinds in rotation, plus a few hand-placed routes that share paths. */
function buildRoutes(): RouteMatch[] {
  const routes: Record<string, unknown>[] = []
  for (let i = 0; i < 10_000; i++) {
    const kind = i % 5
    if (kind === 0) routes.push({ exact: `/svc${i}/status` })
    else if (kind === 1) routes.push({ prefix: `/svc${i}/api/` })
    else if (kind === 2) routes.push({ segment_prefix: `/svc${i}/seg` })
    else if (kind === 3) routes.push({ regex: `/svc${i}/items/[0-9]+` })
    else routes.push({ template: `/svc${i}/users/{id}/posts/{post}` })
  }
  // Candidates for /shared/x: only the predicates decide which one wins.
  routes[100] = { prefix: '/shared/', headers: [{ name: 'x-tenant', exact: 'a' }] }
  routes[2_000] = { segment_prefix: '/shared', methods: ['POST'] }
  routes[5_000] = { regex: '/shared/[a-z]+', query_parameters: [{ name: 'v', exact: '2' }] }
  routes[7_000] = { exact: '/SHARED/X', case_sensitive: false, cookies: [{ name: 'beta', exact: '1' }] }
  routes[8_000] = { template: '/shared/{name}', headers: [{ name: 'x-tenant', present: false }] }
  routes[9_000] = { regex: '(/shared|/other)/.*' } // top-level alternation: no index key
  routes[9_999] = { prefix: '' }
  return routes.map(rm)
}

describe('createRouteTable with 10,000 routes', () => {
  const routes = buildRoutes()
  const table = createRouteTable(routes)

  const cases: [string, string, Parameters<typeof req>[1], number, Record<string, string>?][] = [
    ['exact in the middle', '/svc5005/status', {}, 5005],
    ['prefix', '/svc4321/api/things', {}, 4321],
    ['segment_prefix, equal', '/svc6002/seg', {}, 6002],
    ['segment_prefix, deeper', '/svc6002/seg/a', {}, 6002],
    ['segment_prefix is not a string prefix', '/svc6002/segment', {}, 9_999],
    ['regex', '/svc3333/items/17', {}, 3333],
    ['regex miss falls to the catch-all', '/svc3333/items/abc', {}, 9_999],
    ['template with captures', '/svc9994/users/u1/posts/p2', {}, 9994, { id: 'u1', post: 'p2' }],
    ['first route', '/svc0/status', {}, 0],
    ['late segment_prefix', '/svc9997/seg', {}, 9997],
    ['header picks the earliest candidate', '/shared/x', { method: 'POST', headers: { 'x-tenant': 'a' } }, 100],
    ['method picks the second', '/shared/x', { method: 'POST', headers: { 'x-tenant': 'b' } }, 2_000],
    ['query picks the third', '/shared/x?v=2', { headers: { 'x-tenant': 'b' } }, 5_000],
    ['case-insensitive exact with a cookie', '/shared/X', { headers: { 'x-tenant': 'b', cookie: 'beta=1' } }, 7_000],
    ['template when no x-tenant', '/shared/x', {}, 8_000, { name: 'x' }],
    ['unindexed regex after all else fails', '/shared/x', { headers: { 'x-tenant': 'b' } }, 9_000],
    ['unindexed regex, other branch', '/other/y', {}, 9_000],
    ['catch-all', '/nope', {}, 9_999],
  ]
  it.each(cases)('%s', (_name, target, opts, index, params = {}) => {
    const hit = table.match(req(target, opts))
    expect(hit?.index).toBe(index)
    expect(hit?.params).toEqual(params)
  })

  it('agrees with a linear scan on 400 seeded requests', () => {
    const naive = createNaiveMatcher(routes)
    const rng = createRng(10_000)
    const suffixes = ['/status', '/api/', '/api/x', '/seg', '/seg/', '/segx', '/items/9', '/items/x', '/users/a/posts/b', '']
    for (let n = 0; n < 400; n++) {
      const base = rng.int(6) === 0 ? rng.pick(['/shared', '/SHARED', '/other']) : `/svc${rng.int(10_200)}`
      const input = req(`${base}${rng.pick(suffixes)}${rng.pick(['', '?v=2'])}`, {
        method: rng.pick(['GET', 'POST']),
        headers: rng.int(2) ? { 'x-tenant': rng.pick(['a', 'b']) } : {},
      })
      expect(table.match(input)).toEqual(naive(input))
    }
  }, 30_000)
})
