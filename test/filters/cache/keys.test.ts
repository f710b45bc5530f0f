/**
 * The cache filter's key and bypass rules through the real gateway: Authorization (bypass, or per identity from
 * jwt_authn), query normalization, key headers (Vary) and cookies, bypass rules, the client's Cache-Control,
 * methods, per-route overrides.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { makeKey, type TestKey, token } from '../../support/jwt-keys.ts'
import { compileKeyPlan } from '../../../src/filters/cache/key.ts'
import { cacheTable, fresh, hits, script, seen } from './_helpers.ts'

let key: TestKey
beforeAll(async () => {
  key = await makeKey('RS256', 'cache-1')
})

const jwt = () => ({ name: 'jwt_authn', config: { providers: { p: { issuer: 'https://issuer.test', audiences: ['api'], local_jwks: { keys: [key.jwk] } } }, requires: { provider: 'p' } } })
const bearer = async (sub: string) => ({ headers: { authorization: `Bearer ${await token(key, { sub })}` } })

describe('cache: Authorization', () => {
  it('never serves or stores a shared entry for a request with Authorization by default (BYPASS)', async () => {
    const gw = await cacheTable()
    const k = fresh('auth')
    for (let i = 0; i < 2; i++) expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: { authorization: 'Bearer x' } }))).cache).toBe('BYPASS')
    expect((await seen(await gw.fetchAndSettle(`/${k}`))).cache).toBe('MISS')
    expect((await hits(k)).count).toBe(3)
  })

  it('per_identity: keys by the JWT subject jwt_authn established; one user never gets another user’s entry', async () => {
    const gw = await cacheTable({ authorization: 'per_identity' }, { filters: [jwt()] })
    const k = fresh('ident')
    const alice = await bearer('alice')
    expect(await seen(await gw.fetchAndSettle(`/${k}`, alice))).toMatchObject({ cache: 'MISS', body: `${k} #1` })
    expect(await seen(await gw.fetchAndSettle(`/${k}`, await bearer('bob')))).toMatchObject({ cache: 'MISS', body: `${k} #2` })
    expect(await seen(await gw.fetchAndSettle(`/${k}`, alice))).toMatchObject({ cache: 'HIT', body: `${k} #1` })
  })

  it('per_identity without an identity (no auth filter ran) bypasses', async () => {
    const gw = await cacheTable({ authorization: 'per_identity' })
    const k = fresh('no-ident')
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: { authorization: 'Bearer x' } }))).cache).toBe('BYPASS')
  })
})

describe('cache: key parts', () => {
  it('writes a single plain query parameter as the general path (parse, sort, re-encode) would', () => {
    const plan = compileKeyPlan({ query: { mode: 'all', names: [], sort: true }, headers: [], cookies: [] })
    const general = (search: string) => new URLSearchParams([...new URLSearchParams(search)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))).toString()
    for (const search of ['?page=1', '?a_b.c-d*=x.y', '?p=', '?a=%7E', '?a=b+c', '?a=b%20c', '?x', '?b=1&a=2', '?a=1&a=0', '?é=1', '?a=%2F'])
      expect(plan.query(new URL(`http://h.test/p${search}`)), search).toBe(general(search))
    expect(plan.query(new URL('http://h.test/p'))).toBe('')
  })

  it('sorts query parameters by default, and keeps only the included ones', async () => {
    const gw = await cacheTable({}, { routes: [{ name: 'inc', match: { prefix: '/inc-' }, filters: { cache: { key: { query: { mode: 'include', names: ['page'] } } } }, forward: { cluster: 'origin' } }] })
    const k = fresh('q')
    await (await gw.fetchAndSettle(`/${k}?b=1&a=2`)).text()
    expect((await seen(await gw.fetchAndSettle(`/${k}?a=2&b=1`))).cache).toBe('HIT')
    expect((await seen(await gw.fetchAndSettle(`/${k}?a=3&b=1`))).cache).toBe('MISS')
    const i = fresh('inc')
    await (await gw.fetchAndSettle(`/${i}?page=2&utm_source=x`)).text()
    expect((await seen(await gw.fetchAndSettle(`/${i}?utm_source=y&page=2`))).cache).toBe('HIT')
    expect((await seen(await gw.fetchAndSettle(`/${i}?page=3`))).cache).toBe('MISS')
  })

  it('keys by the configured headers, so a response may vary on them', async () => {
    const gw = await cacheTable({ key: { headers: ['Accept-Language'] } })
    const k = fresh('vary')
    await script(k, { headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' } })
    const en = { headers: { 'accept-language': 'en' } }
    const fr = { headers: { 'accept-language': 'fr' } }
    expect(await seen(await gw.fetchAndSettle(`/${k}`, en))).toMatchObject({ cache: 'MISS', body: `${k} #1` })
    expect(await seen(await gw.fetchAndSettle(`/${k}`, fr))).toMatchObject({ cache: 'MISS', body: `${k} #2` })
    expect(await seen(await gw.fetchAndSettle(`/${k}`, en))).toMatchObject({ cache: 'HIT', body: `${k} #1` })
    expect(await seen(await gw.fetchAndSettle(`/${k}`, fr))).toMatchObject({ cache: 'HIT', body: `${k} #2` })
  })

  it('keys by the configured cookies only', async () => {
    const gw = await cacheTable({ key: { cookies: ['region'] } })
    const k = fresh('cookie')
    await (await gw.fetchAndSettle(`/${k}`, { headers: { cookie: 'region=eu; session=1' } })).text()
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: { cookie: 'session=2; region=eu' } }))).cache).toBe('HIT')
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: { cookie: 'region=us' } }))).cache).toBe('MISS')
  })
})

describe('cache: bypass', () => {
  it('bypasses by header, cookie and query parameter, for other methods and ranges', async () => {
    const gw = await cacheTable({ bypass: { headers: ['x-debug'], cookies: ['preview'], query_parameters: ['nocache'] } })
    const k = fresh('bypass')
    await (await gw.fetchAndSettle(`/${k}`)).text()
    const cases: [string, RequestInit][] = [
      [`/${k}`, { headers: { 'x-debug': '1' } }],
      [`/${k}`, { headers: { cookie: 'preview=1' } }],
      [`/${k}?nocache`, {}],
      [`/${k}`, { method: 'POST', body: 'x' }],
      [`/${k}`, { headers: { range: 'bytes=0-1' } }],
    ]
    for (const [path, init] of cases) expect((await seen(await gw.fetchAndSettle(path, init))).cache, JSON.stringify(init)).toBe('BYPASS')
    expect((await hits(k)).count).toBe(1 + cases.length)
    expect(gw.gateway.stats.counters.get('vhost.site.route.all.cache.bypass')).toBe(cases.length)
  })

  it('honours the client no-cache (refetch and store) and no-store (bypass), unless told not to', async () => {
    const gw = await cacheTable({}, { routes: [{ name: 'deaf', match: { prefix: '/deaf-' }, filters: { cache: { honor_request_cache_control: false } }, forward: { cluster: 'origin' } }] })
    const k = fresh('reqcc')
    await (await gw.fetchAndSettle(`/${k}`)).text()
    expect(await seen(await gw.fetchAndSettle(`/${k}`, { headers: { 'cache-control': 'no-cache' } }))).toMatchObject({ cache: 'MISS', body: `${k} #2` })
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'HIT', body: `${k} #2` })
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: { 'cache-control': 'no-store' } }))).cache).toBe('BYPASS')
    const d = fresh('deaf')
    await (await gw.fetchAndSettle(`/${d}`)).text()
    expect((await seen(await gw.fetchAndSettle(`/${d}`, { headers: { 'cache-control': 'no-cache' } }))).cache).toBe('HIT')
  })

  it('is off on a route that turns it off', async () => {
    const gw = await cacheTable({}, { routes: [{ name: 'off', match: { prefix: '/off-' }, filters: { cache: false }, forward: { cluster: 'origin' } }] })
    const k = fresh('off')
    for (let i = 0; i < 2; i++) expect((await gw.fetchAndSettle(`/${k}`)).headers.get('x-cache')).toBeNull()
    expect((await hits(k)).count).toBe(2)
  })
})
