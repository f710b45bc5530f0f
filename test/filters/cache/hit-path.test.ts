/**
 * The cache filter's hit path on its own (built as a route would build it, real Cache API and KV): a fresh entry
 * in the isolate's memory layer is answered synchronously, the response is the filter's own (headers not shared
 * with the stored entry), and the entry itself is left as stored.
 */
import { describe, expect, it } from 'vitest'
import { cacheFilter } from '../../../src/filters/cache/index.ts'
import { build, makeContext, run, STARTED_AT } from '../_context.ts'
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
