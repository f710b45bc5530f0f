/**
 * The cache filter's revalidation with the origin (RFC 9111 §4.3) through the real gateway, against Miniflare's
 * Cache API and a real origin on 127.0.0.1 that counts requests and answers matching validators with 304: a
 * stale entry with an ETag or Last-Modified is revalidated with a conditional request, a 304 refreshes the stored
 * entry (times and headers), no-cache and must-revalidate entries are never served without it.
 */
import { describe, expect, it } from 'vitest'
import { cacheTable, fresh, hits, script, seen } from './_helpers.ts'

const LM = 'Wed, 25 Nov 2026 10:00:00 GMT'

describe('cache: revalidation with the origin', () => {
  it('revalidates a stale entry with If-None-Match; the 304 refreshes its freshness and headers (REVALIDATED, then HIT)', async () => {
    const gw = await cacheTable()
    const k = fresh('reval-etag')
    await script(k, { headers: { 'cache-control': 'max-age=10', etag: '"v1"', 'x-version': '1' }, conditional: true })
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'MISS', body: `${k} #1` })
    await script(k, { headers: { 'cache-control': 'max-age=30', etag: '"v1"', 'x-version': '2' }, conditional: true })
    gw.clock.now += 20_000
    const res = await gw.fetchAndSettle(`/${k}`)
    expect(res.headers.get('x-version')).toBe('2')
    expect(await seen(res)).toMatchObject({ status: 200, cache: 'REVALIDATED', body: `${k} #1` })
    const sent = (await hits(k)).requests
    expect(sent.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"'])
    // Fresh again for the 304's max-age=30, from the revalidation: a HIT 25 s later, with the new headers.
    gw.clock.now += 25_000
    const hit = await gw.fetchAndSettle(`/${k}`)
    expect(hit.headers.get('x-version')).toBe('2')
    expect(hit.headers.get('cache-control')).toBe('max-age=30')
    expect(await seen(hit)).toMatchObject({ cache: 'HIT', age: '25', body: `${k} #1` })
    expect((await hits(k)).count).toBe(2)
    const counters = gw.gateway.stats.counters
    expect(counters.get('cache.revalidated')).toBe(1)
    expect(counters.get('vhost.site.route.all.cache.revalidated')).toBe(1)
    expect(counters.get('cache.miss')).toBe(2)
  })

  it('revalidates with If-Modified-Since when the entry has only Last-Modified', async () => {
    const gw = await cacheTable()
    const k = fresh('reval-lm')
    await script(k, { headers: { 'cache-control': 'max-age=10', 'last-modified': LM }, conditional: true })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 20_000
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'REVALIDATED', body: `${k} #1` })
    expect((await hits(k)).requests[1]!.headers['if-modified-since']).toBe(LM)
  })

  it('answers the client 304 when its own validator matches the revalidated entry', async () => {
    const gw = await cacheTable()
    const k = fresh('reval-client')
    await script(k, { headers: { 'cache-control': 'max-age=10', etag: '"v1"' }, conditional: true })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 20_000
    const res = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-none-match': '"v1"' } })
    expect({ status: res.status, cache: res.headers.get('x-cache'), body: await res.text() }).toEqual({ status: 304, cache: 'REVALIDATED', body: '' })
    const other = await gw.fetchAndSettle(`/${k}`, { headers: { 'if-none-match': '"v0"' } })
    expect(await seen(other)).toMatchObject({ status: 200, cache: 'HIT', body: `${k} #1` })
  })

  it('stores a changed representation when the origin answers the conditional request with 200', async () => {
    const gw = await cacheTable()
    const k = fresh('reval-changed')
    await script(k, { headers: { 'cache-control': 'max-age=10', etag: '"v1"' }, conditional: true })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    await script(k, { headers: { 'cache-control': 'max-age=10', etag: '"v2"' }, conditional: true })
    gw.clock.now += 20_000
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ status: 200, cache: 'MISS', body: `${k} #2` })
    const hit = await gw.fetchAndSettle(`/${k}`)
    expect(hit.headers.get('etag')).toBe('"v2"')
    expect(await seen(hit)).toMatchObject({ cache: 'HIT', body: `${k} #2` })
  })

  it('stores a no-cache response with a validator and revalidates it before every use', async () => {
    const gw = await cacheTable()
    const k = fresh('reval-nocache')
    await script(k, { headers: { 'cache-control': 'no-cache', etag: '"n1"' }, conditional: true })
    expect((await seen(await gw.fetchAndSettle(`/${k}`))).cache).toBe('MISS')
    expect((await seen(await gw.fetchAndSettle(`/${k}`))).cache).toBe('REVALIDATED')
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'REVALIDATED', body: `${k} #1` })
    expect((await hits(k)).requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"n1"', '"n1"'])
  })

  it('does not store no-cache, nor revalidate, with keep_for_revalidation: 0s', async () => {
    const gw = await cacheTable({ keep_for_revalidation: '0s' })
    const k = fresh('reval-off')
    await script(k, { headers: { 'cache-control': 'no-cache', etag: '"n1"' }, conditional: true })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'MISS', body: `${k} #2` })
    expect((await hits(k)).requests[1]!.headers['if-none-match']).toBeUndefined()
  })

  it('never serves a must-revalidate entry stale: it is revalidated, and a failed revalidation is not hidden', async () => {
    const gw = await cacheTable({ stale_while_revalidate: '60s', stale_if_error: '60s' })
    const k = fresh('reval-must')
    await script(k, { headers: { 'cache-control': 'max-age=10, must-revalidate', etag: '"m1"' }, conditional: true })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 20_000
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'REVALIDATED', body: `${k} #1` })
    gw.clock.now += 20_000
    await script(k, { status: 503, headers: {} })
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ status: 503, cache: 'MISS' })
  })

  it('makes the stale-while-revalidate refresh conditional: a 304 refreshes the entry in the background', async () => {
    const gw = await cacheTable()
    const k = fresh('reval-swr')
    await script(k, { headers: { 'cache-control': 'max-age=10, stale-while-revalidate=60', etag: '"s1"' }, conditional: true })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 20_000
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'STALE', age: '20', body: `${k} #1` })
    expect((await hits(k)).requests[1]!.headers['if-none-match']).toBe('"s1"')
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'HIT', age: '0', body: `${k} #1` })
    expect(gw.gateway.stats.counters.get('cache.revalidated')).toBe(1)
  })
})
