/**
 * Cache invalidation through the admin API: `POST /__legate/cache/purge` by URL (this data center's Cache API),
 * by route generation and by the global generation (KV, read by other isolates in the background).
 */
import { describe, expect, it } from 'vitest'
import { GENERATIONS_KEY } from '../../../src/filters/cache/index.ts'
import { testEnv, type TestGateway } from '../../support/gateway.ts'
import { cacheTable, fresh, seen } from './_helpers.ts'

const ADMIN = { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' }
const purge = (gw: TestGateway, body: unknown) => gw.fetchAndSettle('/__legate/cache/purge', { method: 'POST', headers: ADMIN, body: JSON.stringify(body) })
const twoRoutes = () =>
  cacheTable({ key: { headers: ['x-tenant'] } }, { routes: [{ name: 'b', match: { prefix: '/b/' }, forward: { cluster: 'origin' } }, { name: 'plain', match: { prefix: '/plain/' }, filters: { cache: false }, forward: { cluster: 'origin' } }] })
const cacheOf = async (gw: TestGateway, path: string, init?: RequestInit) => (await seen(await gw.fetchAndSettle(path, init))).cache

describe('cache purge (admin API)', () => {
  it('deletes an entry by URL; says why a URL purged nothing', async () => {
    const gw = await twoRoutes()
    const k = fresh('purge-url')
    await cacheOf(gw, `/${k}?a=1&b=2`)
    expect(await cacheOf(gw, `/${k}?a=1&b=2`)).toBe('HIT')
    const res = await purge(gw, { urls: [`http://gw.test/${k}?b=2&a=1`, 'http://gw.test/plain/x', 'nope'] })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      urls: [
        { url: `http://gw.test/${k}?b=2&a=1`, route: 'all', deleted: true },
        { url: 'http://gw.test/plain/x', route: 'plain', deleted: false, reason: 'route does not cache' },
        { url: 'nope', route: null, deleted: false, reason: 'not an http(s) URL' },
      ],
    })
    expect(await cacheOf(gw, `/${k}?a=1&b=2`)).toBe('MISS')
  })

  it('purges the variant named by the headers given', async () => {
    const gw = await twoRoutes()
    const k = fresh('purge-variant')
    for (const t of ['a', 'b']) await cacheOf(gw, `/${k}`, { headers: { 'x-tenant': t } })
    await purge(gw, { urls: [`http://gw.test/${k}`], headers: { 'x-tenant': 'a' } })
    expect(await cacheOf(gw, `/${k}`, { headers: { 'x-tenant': 'a' } })).toBe('MISS')
    expect(await cacheOf(gw, `/${k}`, { headers: { 'x-tenant': 'b' } })).toBe('HIT')
  })

  it('raises one route’s generation (its entries only) or the global one (every entry)', async () => {
    const gw = await twoRoutes()
    const k = fresh('gen')
    await cacheOf(gw, `/${k}`)
    await cacheOf(gw, `/b/${k}`)
    const res = await purge(gw, { route: 'b' })
    const body = (await res.json()) as { generations: { global: number; routes: Record<string, number> } }
    expect(body.generations.routes.b).toBeGreaterThan(0)
    expect(await testEnv.CONFIG.get(GENERATIONS_KEY, 'json')).toEqual(body.generations)
    expect(await cacheOf(gw, `/b/${k}`)).toBe('MISS')
    expect(await cacheOf(gw, `/${k}`)).toBe('HIT')
    await purge(gw, { all: true })
    expect(await cacheOf(gw, `/${k}`)).toBe('MISS')
    expect(await cacheOf(gw, `/b/${k}`)).toBe('MISS')
  })

  it('another isolate’s purge reaches this one in the background: no request waits for KV', async () => {
    const gw = await twoRoutes()
    const k = fresh('gen-remote')
    await cacheOf(gw, `/${k}`)
    const g = (await testEnv.CONFIG.get<{ global: number; routes: Record<string, number> }>(GENERATIONS_KEY, 'json')) ?? { global: 0, routes: {} }
    await testEnv.CONFIG.put(GENERATIONS_KEY, JSON.stringify({ ...g, global: g.global + 1 }))
    gw.clock.now += 6_000
    // This request still keys with what the isolate knew and starts the re-read in waitUntil; the next one sees it.
    expect(await cacheOf(gw, `/${k}`)).toBe('HIT')
    expect(await cacheOf(gw, `/${k}`)).toBe('MISS')
  })

  it('needs the admin token, a valid body and a known route', async () => {
    const gw = await twoRoutes()
    expect((await gw.fetchAndSettle('/__legate/cache/purge', { method: 'POST', body: '{"all":true}' })).status).toBe(401)
    const bad = await purge(gw, { urls: [] })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { code: string }).code).toBe('ERR_BAD_REQUEST')
    expect((await purge(gw, { route: 'nope' })).status).toBe(400)
    expect((await purge(gw, { all: true, extra: 1 })).status).toBe(400)
    expect((await gw.fetchAndSettle('/__legate/cache/purge', { headers: ADMIN })).status).toBe(405)
  })
})
