/**
 * @module The Cache API side: opening the cache, match and put that never throw (a failing cache is counted and
 * the request is served as if there were none), coalescing of concurrent misses per key in this isolate, and
 * per-route stats.
 */
import type { RequestContext } from '../types.ts'
import { type Entry, fromStored } from './entry.ts'
import { HOT_MAX_ENTRY, hotPut } from './hot.ts'

/** Every cache stat, each also recorded per route. */
const STATS = ['hit', 'miss', 'stale', 'bypass', 'bytes', 'stored', 'not_stored', 'coalesced', 'revalidated', 'revalidate_failed', 'invalidated', 'store_failed'] as const
export type CacheStat = (typeof STATS)[number]
const GLOBAL = Object.fromEntries(STATS.map((s) => [s, `cache.${s}`])) as Record<CacheStat, string>

/** Per-route stat names by virtual host and route, built once (not per request). */
const routeNames = new Map<string, Map<string, Map<CacheStat, string>>>()

function routeStat(vhost: string, route: string, stat: CacheStat): string {
  let byRoute = routeNames.get(vhost)
  if (!byRoute) routeNames.set(vhost, (byRoute = new Map()))
  let names = byRoute.get(route)
  if (!names) byRoute.set(route, (names = new Map()))
  let name = names.get(stat)
  if (name === undefined) names.set(stat, (name = `vhost.${vhost}.route.${route}.cache.${stat}`))
  return name
}

/** Adds to `cache.<stat>` and to the route's `vhost.<v>.route.<r>.cache.<stat>`. */
export function count(rc: RequestContext, stat: CacheStat, delta = 1): void {
  rc.stats.counter(GLOBAL[stat], delta)
  rc.stats.counter(routeStat(rc.vhostName, rc.routeName, stat), delta)
}

/** One warn line for a degraded cache operation. */
export function warn(what: string, e: unknown, requestId?: string) {
  console.warn(JSON.stringify({ level: 'warn', msg: `cache ${what} failed`, request_id: requestId, error: (e as Error)?.message ?? String(e) }))
}

function failed(rc: RequestContext, op: string, e: unknown) {
  count(rc, 'store_failed')
  warn(op, e, rc.requestId)
}

/** Cache API reads in flight in this isolate, by key. */
const reading = new Map<string, Promise<Entry | undefined>>()

/**
 * The entry under `key`, or undefined (absent, not ours, or the cache failed). Concurrent lookups of one key make
 * one Cache API read: when the in-isolate layer's copy expires under load, the requests arriving while it is
 * read again wait for that read instead of each making their own. An entry whose body is a stream (too large
 * for memory) cannot be shared: each waiter reads it again.
 */
export async function lookup(rc: RequestContext, cache: Cache, key: string): Promise<Entry | undefined> {
  const inFlight = reading.get(key)
  if (inFlight) {
    const e = await inFlight
    return e?.body instanceof ReadableStream ? read(rc, cache, key) : e
  }
  const p = read(rc, cache, key)
  reading.set(key, p)
  try {
    return await p
  } finally {
    reading.delete(key)
  }
}

async function read(rc: RequestContext, cache: Cache, key: string): Promise<Entry | undefined> {
  try {
    const m = await cache.match(key)
    if (!m) return undefined
    const e = fromStored(m.status, m.headers, m.body)
    if (!e) await m.body?.cancel()
    else if (e.bytes <= HOT_MAX_ENTRY) {
      // Small: read it once here, so the next hits in this isolate skip the Cache API.
      e.body = e.bytes ? new Uint8Array(await m.arrayBuffer()) : (await m.body?.cancel(), null)
      hotPut(key, e, rc.startedAt)
    }
    return e
  } catch (e) {
    failed(rc, 'match', e)
    return undefined
  }
}

/** Puts an entry; resolves when it is stored (or failed). */
export async function store(rc: RequestContext, cache: Cache, key: string, response: Response, body: Uint8Array | null): Promise<void> {
  try {
    const { status, headers } = response
    await cache.put(key, response)
    const e = fromStored(status, headers, body)
    if (e) hotPut(key, e, rc.startedAt)
    count(rc, 'stored')
  } catch (e) {
    failed(rc, 'put', e)
  }
}

interface Pending {
  since: number
  done: Promise<void>
}
/** Misses in flight in this isolate, by key. Bounded: past the limit a miss simply goes upstream. */
const pending = new Map<string, Pending>()
const MAX_PENDING = 10_000

/**
 * Joins a miss in flight for `key` (resolves when it settled or after `timeoutMs`: true when there was one to
 * wait for), or registers this request as the one fetching it (returns its `finish`). With `timeoutMs` 0 it only
 * registers, when nothing is in flight (a stale-while-revalidate refresh is not started twice).
 */
export async function coalesce(key: string, timeoutMs: number): Promise<{ waited: true } | { waited: false; finish?: () => void }> {
  const now = Date.now()
  const p = pending.get(key)
  if (p && timeoutMs === 0) return { waited: false }
  if (p && now - p.since < timeoutMs) {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([p.done, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs - (now - p.since))))])
    if (timer !== undefined) clearTimeout(timer)
    return { waited: true }
  }
  if (pending.size >= MAX_PENDING) return { waited: false }
  let resolve!: () => void
  const entry: Pending = { since: now, done: new Promise<void>((r) => (resolve = r)) }
  pending.set(key, entry)
  return {
    waited: false,
    finish: () => {
      if (pending.get(key) === entry) pending.delete(key)
      resolve()
    },
  }
}
