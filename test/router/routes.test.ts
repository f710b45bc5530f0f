import { describe, expect, it } from 'vitest'
import { createRouteTable } from '../../src/router/routes.ts'
import { req, rm } from './_helpers.ts'

const indexOf = (routes: Record<string, unknown>[], target: string, opts?: Parameters<typeof req>[1]) =>
  createRouteTable(routes.map(rm)).match(req(target, opts))?.index

describe('createRouteTable: path specifiers', () => {
  const cases: [string, Record<string, unknown>, string, boolean][] = [
    ['exact', { exact: '/a/b' }, '/a/b', true],
    ['exact is the whole path', { exact: '/a/b' }, '/a/b/', false],
    ['exact ignores the query', { exact: '/a/b' }, '/a/b?x=1', true],
    ['exact is case-sensitive by default', { exact: '/a/b' }, '/A/b', false],
    ['exact case_sensitive: false', { exact: '/a/B', case_sensitive: false }, '/A/b', true],
    ['prefix', { prefix: '/api' }, '/api/v1', true],
    ['prefix is a string prefix', { prefix: '/api' }, '/apiv1', true],
    ['prefix miss', { prefix: '/api' }, '/ap', false],
    ['prefix case-sensitive', { prefix: '/api' }, '/API', false],
    ['prefix case_sensitive: false', { prefix: '/Api', case_sensitive: false }, '/aPI/x', true],
    ['empty prefix matches everything', { prefix: '' }, '/anything', true],
    ['segment_prefix equal', { segment_prefix: '/api/dev' }, '/api/dev', true],
    ['segment_prefix + "/"', { segment_prefix: '/api/dev' }, '/api/dev/', true],
    ['segment_prefix deeper', { segment_prefix: '/api/dev' }, '/api/dev/v1', true],
    ['segment_prefix with query', { segment_prefix: '/api/dev' }, '/api/dev?param=true', true],
    ['segment_prefix is not a string prefix', { segment_prefix: '/api/dev' }, '/api/developer', false],
    ['segment_prefix case_sensitive: false', { segment_prefix: '/Api/Dev', case_sensitive: false }, '/api/DEV/x', true],
    ['regex full match', { regex: '/v[0-9]+/users' }, '/v2/users', true],
    ['regex is not a search', { regex: '/v[0-9]+/users' }, '/v2/users/1', false],
    ['regex is anchored at the start', { regex: 'v[0-9]+' }, '/v2', false],
    ['regex with top-level alternation', { regex: '/a|/b/.*' }, '/b/c', true],
    ['regex ignores case_sensitive', { regex: '/abc', case_sensitive: false }, '/ABC', false],
    ['regex with an inline class for case', { regex: '/[aA]bc' }, '/Abc', true],
    ['template *', { template: '/videos/*/meta' }, '/videos/42/meta', true],
    ['template * is one segment', { template: '/videos/*/meta' }, '/videos/4/2/meta', false],
    ['template **', { template: '/static/**' }, '/static/a/b/c.css', true],
    ['template **.mpd', { template: '/**.mpd' }, '/a/b/c.mpd', true],
    ['template case-sensitive', { template: '/Users/{id}' }, '/users/1', false],
    ['template case_sensitive: false', { template: '/Users/{id}', case_sensitive: false }, '/users/1', true],
  ]
  it.each(cases)('%s', (_name, m, target, want) => {
    expect(indexOf([m], target)).toBe(want ? 0 : undefined)
  })
})

describe('createRouteTable: hits', () => {
  it('captures template variables into params', () => {
    const table = createRouteTable(
      [{ template: '/users/{id}/files/{path=**}' }, { template: '/v/{a}/{b=x/*}/end' }, { template: '/USERS/{id}', case_sensitive: false }].map(rm)
    )
    expect(table.match(req('/users/42/files/a/b.txt'))).toEqual({ index: 0, params: { id: '42', path: 'a/b.txt' } })
    expect(table.match(req('/users/42/files/'))).toEqual({ index: 0, params: { id: '42', path: '' } })
    expect(table.match(req('/v/1/x/2/end'))).toEqual({ index: 1, params: { a: '1', b: 'x/2' } })
    expect(table.match(req('/Users/Ab'))).toEqual({ index: 2, params: { id: 'Ab' } })
  })

  it('reports the matched prefix as received, and the whole path for exact', () => {
    const table = createRouteTable([{ exact: '/e' }, { prefix: '/API/', case_sensitive: false }, { segment_prefix: '/s' }].map(rm))
    expect(table.match(req('/e'))).toEqual({ index: 0, params: {}, matchedPrefix: '/e' })
    expect(table.match(req('/api/x'))).toEqual({ index: 1, params: {}, matchedPrefix: '/api/' })
    expect(table.match(req('/s/t'))).toEqual({ index: 2, params: {}, matchedPrefix: '/s' })
    expect(table.size).toBe(3)
  })

  it('returns undefined for an empty table or no match', () => {
    expect(createRouteTable([]).match(req('/'))).toBeUndefined()
    expect(indexOf([{ exact: '/a' }, { prefix: '/b' }], '/c')).toBeUndefined()
  })

  it('throws on a template that does not parse', () => {
    expect(() => createRouteTable([rm({ template: '/a/{id' })])).toThrow(/route 0: template/)
  })
})

describe('createRouteTable: first match wins', () => {
  const routes = [
    { exact: '/a/b', methods: ['POST'] },
    { prefix: '/a/', headers: [{ name: 'x-canary', exact: '1' }] },
    { regex: '/a/[a-z]+' },
    { prefix: '/a' },
    { exact: '/a' },
    { prefix: '' },
  ]
  const cases: [string, string, Parameters<typeof req>[1], number][] = [
    ['method decides', '/a/b', { method: 'POST' }, 0],
    ['a later route wins when an earlier one\'s predicates fail', '/a/b', {}, 2],
    ['header route', '/a/b', { headers: { 'x-canary': '1' } }, 1],
    ['earlier exact beats a header route', '/a/b', { method: 'POST', headers: { 'x-canary': '1' } }, 0],
    ['regex miss falls through to prefix', '/a/1', {}, 3],
    ['a later exact never wins over an earlier prefix', '/a', {}, 3],
    ['catch-all last', '/zzz', {}, 5],
  ]
  it.each(cases)('%s', (_name, target, opts, want) => {
    expect(indexOf(routes, target, opts)).toBe(want)
  })
})

describe('createRouteTable: predicates', () => {
  const cases: [string, Record<string, unknown>, string, Parameters<typeof req>[1], boolean][] = [
    ['methods: any when empty', { prefix: '/' }, '/', { method: 'DELETE' }, true],
    ['methods: listed', { prefix: '/', methods: ['GET', 'HEAD'] }, '/', { method: 'HEAD' }, true],
    ['methods: not listed', { prefix: '/', methods: ['GET'] }, '/', { method: 'POST' }, false],
    ['header exact', { prefix: '/', headers: [{ name: 'X-Env', exact: 'canary' }] }, '/', { headers: { 'x-env': 'canary' } }, true],
    ['header missing', { prefix: '/', headers: [{ name: 'x-env', exact: 'canary' }] }, '/', {}, false],
    ['header invert missing fails', { prefix: '/', headers: [{ name: 'x-env', exact: 'a', invert: true }] }, '/', {}, false],
    [':authority reads Host', { prefix: '/', headers: [{ name: ':authority', suffix: '.example.com' }] }, '/', { headers: { host: 'a.example.com' } }, true],
    [':method', { prefix: '/', headers: [{ name: ':method', exact: 'PUT' }] }, '/', { method: 'PUT' }, true],
    [':path includes the query', { prefix: '/', headers: [{ name: ':path', exact: '/p?q=1' }] }, '/p?q=1', {}, true],
    ['query exact', { prefix: '/', query_parameters: [{ name: 'v', exact: '2' }] }, '/?v=2', {}, true],
    ['query first value', { prefix: '/', query_parameters: [{ name: 'v', exact: '2' }] }, '/?v=1&v=2', {}, false],
    ['query present', { prefix: '/', query_parameters: [{ name: 'debug' }] }, '/?debug', {}, true],
    ['query absent', { prefix: '/', query_parameters: [{ name: 'debug', present: false }] }, '/?x', {}, true],
    ['cookie', { prefix: '/', cookies: [{ name: 'ab', exact: 'b' }] }, '/', { headers: { cookie: 'x=1; ab=b' } }, true],
    ['cookie missing', { prefix: '/', cookies: [{ name: 'ab', exact: 'b' }] }, '/', {}, false],
    [
      'all predicates AND',
      { prefix: '/', methods: ['GET'], headers: [{ name: 'x-a' }], query_parameters: [{ name: 'q' }], cookies: [{ name: 'c' }] },
      '/?q',
      { headers: { 'x-a': '1', cookie: 'c=1' } },
      true,
    ],
    [
      'one failing predicate fails the route',
      { prefix: '/', methods: ['GET'], headers: [{ name: 'x-a' }], query_parameters: [{ name: 'q' }], cookies: [{ name: 'c' }] },
      '/?q',
      { headers: { 'x-a': '1', cookie: 'd=1' } },
      false,
    ],
  ]
  it.each(cases)('%s', (_name, m, target, opts, want) => {
    expect(indexOf([m], target, opts)).toBe(want ? 0 : undefined)
  })
})
