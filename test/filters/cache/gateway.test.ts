/**
 * The cache filter through the real gateway, against Miniflare's Cache API and a real origin on 127.0.0.1:
 * HIT/MISS, Age, freshness (s-maxage, max-age, Expires, default_ttl), the storability matrix, conditional requests.
 */
import { describe, expect, it } from 'vitest'
import { cacheTable, fresh, hits, script, seen } from './_helpers.ts'

describe('cache: hits and freshness', () => {
  it('answers the second request from the cache with x-cache: HIT and Age, the origin sees one request', async () => {
    const gw = await cacheTable()
    const k = fresh('basic')
    await script(k, { headers: { 'cache-control': 'max-age=60', etag: '"v1"' } })
    expect(await seen(await gw.fetchAndSettle(`/${k}/a`))).toEqual({ status: 200, cache: 'MISS', age: null, body: `${k} #1` })
    gw.clock.now += 5_000
    const hit = await gw.fetchAndSettle(`/${k}/a`)
    expect(hit.headers.get('cache-control')).toBe('max-age=60')
    expect(hit.headers.get('etag')).toBe('"v1"')
    expect(await seen(hit)).toEqual({ status: 200, cache: 'HIT', age: '5', body: `${k} #1` })
    expect((await hits(k)).count).toBe(1)
    const counters = gw.gateway.stats.counters
    expect(counters.get('cache.hit')).toBe(1)
    expect(counters.get('cache.miss')).toBe(1)
    expect(counters.get('vhost.site.route.all.cache.hit')).toBe(1)
    expect(counters.get('vhost.site.route.all.cache.bytes')).toBe(`${k} #1`.length)
  })

  it('serves hits from this isolate’s memory for a moment after storing: no Cache API call', async () => {
    const gw = await cacheTable()
    const k = fresh('hot')
    await (await gw.fetchAndSettle(`/${k}`)).text()
    // Gone from the Cache API (as another isolate's purge by URL would do): the isolate's copy still answers.
    expect(await caches.default.delete(`http://gw.test/__legate/ck/0.0/site/all/-/${k}`)).toBe(true)
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'HIT', body: `${k} #1` })
    expect((await hits(k)).count).toBe(1)
  })

  it('expires an entry after its freshness lifetime (s-maxage over max-age), counting the origin Age', async () => {
    const gw = await cacheTable()
    const k = fresh('expiry')
    await script(k, { headers: { 'cache-control': 'max-age=600, s-maxage=30', age: '10' } })
    await gw.fetchAndSettle(`/${k}`)
    gw.clock.now += 19_000
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'HIT', age: '29' })
    gw.clock.now += 2_000
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'MISS', body: `${k} #2` })
  })

  it('uses Expires − Date when there is no max-age, and the route default_ttl when the origin says nothing', async () => {
    const gw = await cacheTable({ default_ttl: '20s' })
    const k = fresh('expires')
    const date = new Date(gw.clock.now)
    await script(k, { headers: { date: date.toUTCString(), expires: new Date(gw.clock.now + 100_000).toUTCString() } })
    await gw.fetchAndSettle(`/${k}`)
    gw.clock.now += 90_000
    expect((await seen(await gw.fetchAndSettle(`/${k}`))).cache).toBe('HIT')
    const d = fresh('default')
    await script(d, { headers: {} })
    await gw.fetchAndSettle(`/${d}`)
    gw.clock.now += 19_000
    expect((await seen(await gw.fetchAndSettle(`/${d}`))).cache).toBe('HIT')
    gw.clock.now += 2_000
    expect((await seen(await gw.fetchAndSettle(`/${d}`))).cache).toBe('MISS')
  })

  // What a shared cache may store (RFC 9111 §3), one origin answer per row: stored → the second request is a HIT.
  const MATRIX: [string, { status?: number; headers: Record<string, string> }, boolean][] = [
    ['max-age', { headers: { 'cache-control': 'max-age=60' } }, true],
    ['public, s-maxage', { headers: { 'cache-control': 'public, s-maxage=60' } }, true],
    ['404 with max-age', { status: 404, headers: { 'cache-control': 'max-age=60' } }, true],
    ['301 with default_ttl only', { status: 301, headers: { location: '/x' } }, true],
    ['302 with default_ttl only (not heuristic)', { status: 302, headers: { location: '/x' } }, false],
    ['no Cache-Control, 500', { status: 500, headers: { 'cache-control': 'max-age=60' } }, false],
    ['no-store', { headers: { 'cache-control': 'max-age=60, no-store' } }, false],
    ['private', { headers: { 'cache-control': 'private, max-age=60' } }, false],
    ['no-cache', { headers: { 'cache-control': 'no-cache, max-age=60' } }, false],
    ['max-age=0', { headers: { 'cache-control': 'max-age=0' } }, false],
    ['Set-Cookie', { headers: { 'cache-control': 'max-age=60', 'set-cookie': 'a=1' } }, false],
    ['Vary: *', { headers: { 'cache-control': 'max-age=60', vary: '*' } }, false],
    ['Vary on a header outside the key', { headers: { 'cache-control': 'max-age=60', vary: 'accept-language' } }, false],
    ['Vary: Accept-Encoding (the runtime encodes)', { headers: { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' } }, true],
    ['Expires in the past', { headers: { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' } }, false],
    ['invalid Expires', { headers: { expires: '0' } }, false],
  ]
  it.each(MATRIX)('stores %s: %s', async (_name, answer, stored) => {
    const gw = await cacheTable({ default_ttl: '60s' })
    const k = fresh('matrix')
    await script(k, answer)
    const first = await gw.fetchAndSettle(`/${k}`)
    expect(first.headers.get('x-cache')).toBe('MISS')
    await first.text()
    const second = await seen(await gw.fetchAndSettle(`/${k}`))
    expect(second.cache).toBe(stored ? 'HIT' : 'MISS')
    expect((await hits(k)).count).toBe(stored ? 1 : 2)
  })
})

describe('cache: conditional requests', () => {
  it('answers If-None-Match and If-Modified-Since from the cache with 304', async () => {
    const gw = await cacheTable()
    const k = fresh('cond')
    const lm = 'Wed, 25 Nov 2026 10:00:00 GMT'
    await script(k, { headers: { 'cache-control': 'max-age=60', etag: 'W/"abc"', 'last-modified': lm } })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    const inm = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-none-match': '"x", "abc"' } })
    expect({ status: inm.status, cache: inm.headers.get('x-cache'), etag: inm.headers.get('etag'), body: await inm.text() }).toEqual({ status: 304, cache: 'HIT', etag: 'W/"abc"', body: '' })
    const ims = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-modified-since': 'Wed, 25 Nov 2026 11:00:00 GMT' } })
    expect(ims.status).toBe(304)
    const older = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-modified-since': 'Wed, 25 Nov 2026 09:00:00 GMT' } })
    expect(older.status).toBe(200)
    const other = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-none-match': '"nope"' } })
    expect(other.status).toBe(200)
    expect((await hits(k)).count).toBe(1)
  })

  it('on a miss, sends the origin no validators, stores the full response and answers the client 304', async () => {
    const gw = await cacheTable()
    const k = fresh('cond-miss')
    await script(k, { headers: { 'cache-control': 'max-age=60', etag: '"e1"' } })
    const first = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-none-match': '"e1"' } })
    expect({ status: first.status, cache: first.headers.get('x-cache') }).toEqual({ status: 304, cache: 'MISS' })
    expect((await hits(k)).requests[0]!.headers['if-none-match']).toBeUndefined()
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ status: 200, cache: 'HIT', body: `${k} #1` })
  })

  it('answers HEAD from a stored GET, without a body', async () => {
    const gw = await cacheTable()
    const k = fresh('head')
    await (await gw.fetchAndSettle(`/${k}`)).text()
    const head = await gw.fetchAndSettle(`/${k}`, { method: 'HEAD' })
    expect({ status: head.status, cache: head.headers.get('x-cache'), body: await head.text() }).toEqual({ status: 200, cache: 'HIT', body: '' })
  })
})
