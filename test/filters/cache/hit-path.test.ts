/**
 * The cache filter's hit path on its own (built as a route would build it, real Cache API and KV): a fresh entry
 * in the isolate's memory layer is answered synchronously, the response is the filter's own (headers not shared
 * with the stored entry), and the entry itself is left as stored.
 */
import { describe, expect, it } from 'vitest'
import { cacheFilter } from '../../../src/filters/cache/index.ts'
import { build, makeContext, run, STARTED_AT } from '../_context.ts'
import { discard, toStored } from '../../../src/filters/cache/entry.ts'
import { HOT_MAX_ENTRY } from '../../../src/filters/cache/hot.ts'
import { lookup } from '../../../src/filters/cache/store.ts'
import { fresh } from './_helpers.ts'

const stored = () => new Response('body', { status: 200, headers: { 'cache-control': 'max-age=60', etag: '"e"' } })

describe('cache: the hit path', () => {
  it('answers a fresh entry of the memory layer without a promise, and the stored entry stays as stored', async () => {
    const filter = build(cacheFilter, {})
    const url = `/${fresh('sync')}`
    // The miss stores the entry (its waitUntil work awaited here); the memory layer keeps it for 1 s of request time.
    const waits: Promise<unknown>[] = []
    const miss = { ...makeContext({ url }), waitUntil: (p: Promise<unknown>) => void waits.push(p) }
    await run(filter, miss, stored)
    await Promise.all(waits)

    const first = filter.onRequest!(makeContext({ url, startedAt: STARTED_AT + 100 }))
    expect(first).toBeInstanceOf(Response)
    const res = first as Response
    expect([res.headers.get('x-cache'), res.headers.get('age'), await res.text()]).toEqual(['HIT', '0', 'body'])
    res.headers.set('x-changed', '1')
    const again = filter.onRequest!(makeContext({ url, startedAt: STARTED_AT + 900 })) as Response
    expect([again.headers.get('x-changed'), again.headers.get('age'), await again.text()]).toEqual([null, '0', 'body'])
  })
})

const PLAN = { store: true, freshMs: 60_000, swrMs: 0, sieMs: 0, ageMs: 0, keepMs: 0 } as const
/** A response as the filter stores it (with its metadata), of `body`. */
const asStored = (body: string) => toStored({ status: 200, headers: new Headers() }, new TextEncoder().encode(body), PLAN, Date.now())

describe('cache: lookups of one key', () => {
  it('make one Cache API read when they run concurrently (a small entry is shared), and a read each when not', async () => {
    const key = `https://gw.test/__legate/ck/${fresh('shared')}`
    await caches.default.put(key, asStored('body'))
    let reads = 0
    const counting = { match: (k: string) => (reads++, caches.default.match(k)) } as unknown as Cache
    const rc = makeContext({ startedAt: Date.now() + 10_000 }) // past every in-isolate copy: each lookup reads
    const found = await Promise.all(Array.from({ length: 5 }, () => lookup(rc, counting, key)))
    expect(reads).toBe(1)
    expect(found.every((e) => e === found[0] && e?.status === 200)).toBe(true)
    await lookup(makeContext({ startedAt: Date.now() + 20_000 }), counting, key)
    expect(reads).toBe(2)
  })

  it('read a large entry again for each waiter: its body is a stream that cannot be shared', async () => {
    const key = `https://gw.test/__legate/ck/${fresh('large')}`
    await caches.default.put(key, asStored('x'.repeat(HOT_MAX_ENTRY + 1)))
    let reads = 0
    const counting = { match: (k: string) => (reads++, caches.default.match(k)) } as unknown as Cache
    const found = await Promise.all(Array.from({ length: 3 }, () => lookup(makeContext(), counting, key)))
    expect(reads).toBe(3) // one shared read, then one of its own for each of the two waiters
    const bodies = await Promise.all(found.slice(1).map((e) => new Response(e!.body).text()))
    expect(bodies.map((b) => b.length)).toEqual([HOT_MAX_ENTRY + 1, HOT_MAX_ENTRY + 1])
    discard(found[0])
  })
})
