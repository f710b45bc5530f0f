/**
 * The cache filter's stale entries and concurrency through the real gateway: stale-while-revalidate (the refresh
 * runs in waitUntil), stale-if-error (origin reset, 5xx, timeout, open breaker), must-revalidate, coalescing.
 */
import { describe, expect, it } from 'vitest'
import { cacheTable, fresh, hits, script, seen } from './_helpers.ts'

describe('cache: stale-while-revalidate', () => {
  it('serves STALE at once and refreshes in waitUntil; the next request is a HIT on the new entry', async () => {
    const gw = await cacheTable()
    const k = fresh('swr')
    await script(k, { headers: { 'cache-control': 'max-age=10, stale-while-revalidate=60' } })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 20_000
    const stale = await gw.fetchAndSettle(`/${k}`)
    expect(await seen(stale)).toEqual({ status: 200, cache: 'STALE', age: '20', body: `${k} #1` })
    // fetchAndSettle waited for the refresh: the origin was asked again and the entry replaced.
    expect((await hits(k)).count).toBe(2)
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'HIT', body: `${k} #2` })
    expect(gw.gateway.stats.counters.get('cache.stale')).toBe(1)
  })

  it('uses the route stale_while_revalidate when the origin gives none, and not past the window', async () => {
    const gw = await cacheTable({ stale_while_revalidate: '30s' })
    const k = fresh('swr-route')
    await script(k, { headers: { 'cache-control': 'max-age=10' } })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 50_000
    expect((await seen(await gw.fetchAndSettle(`/${k}`))).cache).toBe('MISS')
  })

  it('keeps the stale entry when the refresh fails, counting revalidate_failed', async () => {
    const gw = await cacheTable()
    const k = fresh('swr-fail')
    await script(k, { headers: { 'cache-control': 'max-age=10, stale-while-revalidate=60' } })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    await script(k, { status: 503, headers: {} })
    gw.clock.now += 20_000
    expect((await seen(await gw.fetchAndSettle(`/${k}`))).cache).toBe('STALE')
    expect(gw.gateway.stats.counters.get('cache.revalidate_failed')).toBe(1)
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'STALE', body: `${k} #1` })
  })
})

describe('cache: stale-if-error', () => {
  const stored = async (extra: Parameters<typeof cacheTable>[1] = {}, cc = 'max-age=10, stale-if-error=600') => {
    const gw = await cacheTable({}, extra)
    const k = fresh('sie')
    await script(k, { headers: { 'cache-control': cc } })
    await (await gw.fetchAndSettle(`/${k}`)).text()
    gw.clock.now += 30_000
    return { gw, k }
  }

  it.each([
    ['the connection is reset', { mode: 'reset' as const }],
    ['the origin answers 503', { status: 503, headers: {} }],
    ['the origin answers 500', { status: 500, headers: {} }],
  ])('serves the stale entry when %s', async (_name, failure) => {
    const { gw, k } = await stored()
    await script(k, failure)
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toEqual({ status: 200, cache: 'STALE', age: '30', body: `${k} #1` })
  })

  it('serves the stale entry when the route timeout fires', async () => {
    const { gw, k } = await stored({ timeout: '100ms' })
    await script(k, { mode: 'hang' })
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ status: 200, cache: 'STALE' })
  })

  it('serves the stale entry when the cluster breaker is open, without calling the origin', async () => {
    const breaker = { failure_rate_breaker: { sliding_window_size: 2, minimum_calls: 2, failure_rate_threshold: 50, wait_duration_in_open: '60s' }, state_sync: { snapshot_ttl: '0s', report_interval: '0s' } }
    const cluster = { name: `origin`, ...breaker }
    const { gw, k } = await stored({ cluster })
    const down = fresh('down')
    await script(down, { status: 503, headers: {} })
    for (let i = 0; i < 2; i++) expect((await gw.fetchAndSettle(`/${down}/${i}`)).status).toBe(503)
    const before = (await hits(k)).count
    const res = await gw.fetchAndSettle(`/${k}`)
    expect(await seen(res)).toMatchObject({ status: 200, cache: 'STALE', body: `${k} #1` })
    expect((await hits(k)).count).toBe(before)
  })

  it('passes the failure through past the window, and with must-revalidate', async () => {
    const { gw, k } = await stored({}, 'max-age=10, stale-if-error=600, must-revalidate')
    await script(k, { status: 503, headers: {} })
    const res = await gw.fetchAndSettle(`/${k}`)
    expect({ status: res.status, cache: res.headers.get('x-cache') }).toEqual({ status: 503, cache: 'MISS' })
    const late = await stored()
    await script(late.k, { status: 503, headers: {} })
    late.gw.clock.now += 600_000
    expect((await late.gw.fetchAndSettle(`/${late.k}`)).status).toBe(503)
  })
})

describe('cache: coalescing', () => {
  it('sends one upstream request for concurrent misses of one key; the others are HITs', async () => {
    const gw = await cacheTable()
    const k = fresh('coalesce')
    await script(k, { headers: { 'cache-control': 'max-age=60' }, delay_ms: 150 })
    const all = await Promise.all(Array.from({ length: 5 }, () => gw.fetchAndSettle(`/${k}`).then(seen)))
    expect(all.map((r) => r.cache).sort()).toEqual(['HIT', 'HIT', 'HIT', 'HIT', 'MISS'])
    expect(new Set(all.map((r) => r.body))).toEqual(new Set([`${k} #1`]))
    expect((await hits(k)).count).toBe(1)
    expect(gw.gateway.stats.counters.get('cache.coalesced')).toBe(4)
  })

  it('stops waiting after coalesce_timeout and goes upstream itself', async () => {
    const gw = await cacheTable({ coalesce_timeout: '50ms' })
    const k = fresh('coalesce-timeout')
    await script(k, { headers: { 'cache-control': 'max-age=60' }, delay_ms: 300 })
    const all = await Promise.all([gw.fetchAndSettle(`/${k}`).then(seen), gw.fetchAndSettle(`/${k}`).then(seen)])
    expect(all.map((r) => r.cache)).toEqual(['MISS', 'MISS'])
    expect((await hits(k)).count).toBe(2)
  })
})
