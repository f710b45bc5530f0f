/**
 * @module Answers from the cache and the response phase: serving an entry (HIT or STALE, 304 to a matching
 * conditional request, Age), stale-if-error, storing a cacheable upstream response while it streams to the client,
 * freshening an entry the origin confirmed with a 304 (REVALIDATED), and the stale-while-revalidate refresh.
 */
import { readCapped } from '../../http/body.ts'
import { localResponse } from '../../http/owned-response.ts'
import { FLAGS_HEADER } from '../../http/problem.ts'
import type { RequestContext } from '../types.ts'
import { ageOf, discard, type Entry, toStored } from './entry.ts'
import { notModified, notModifiedResponse, planStore, type PolicyDefaults, type StorePlan } from './policy.ts'
import { coalesce, count, store, warn } from './store.ts'

export type Label = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED' | 'BYPASS'

/** An entry's headers as served, with `age` and `x-cache`: the same for every hit on it within one second. */
const served = new WeakMap<Entry, { age: string; label: string; headers: Headers }>()

function servedHeaders(entry: Entry, age: string, label: 'HIT' | 'STALE'): Headers {
  let s = served.get(entry)
  if (!s || s.age !== age || s.label !== label) {
    const headers = new Headers(entry.headers)
    headers.set('age', age)
    headers.set('x-cache', label)
    served.set(entry, (s = { age, label, headers }))
  }
  return s.headers // the Response copies it: what later phases set on a reply never reaches the next hit
}

/** Serves a stored entry: a 304 when the client's validators match it, headers only for HEAD. */
export function serve(rc: RequestContext, entry: Entry, label: 'HIT' | 'STALE'): Response {
  const age = String(Math.floor(ageOf(entry, rc.startedAt) / 1000))
  let out: Response
  if (notModified(rc.request.headers, entry.headers)) {
    discard(entry)
    out = notModifiedResponse(entry.headers)
    out.headers.set('age', age)
    out.headers.set('x-cache', label)
  } else {
    let body = entry.body
    if (rc.method === 'HEAD') {
      discard(entry)
      body = null
    } else if (entry.bytes > 0) count(rc, 'bytes', entry.bytes)
    out = localResponse(body, { status: entry.status, headers: servedHeaders(entry, age, label) })
  }
  count(rc, label === 'HIT' ? 'hit' : 'stale')
  return out
}

const FAILURE_FLAGS = /(^|,)(UF|UT|UO|UH|URX|UPE|NC)(,|$)/

/**
 * The upstream failed: no upstream response and a failure reply of the forward step (connect, timeout, breaker
 * or overflow, no healthy endpoint, retries exhausted), or an upstream 500/502/503/504 (RFC 5861 §4).
 */
export function upstreamFailed(rc: RequestContext, res: Response): boolean {
  if (rc.upstream) return res.status === 500 || res.status === 502 || res.status === 503 || res.status === 504
  const flags = res.headers.get(FLAGS_HEADER)
  return flags !== null && FAILURE_FLAGS.test(flags)
}

export interface StoreContext {
  cache: Cache
  key: string
  defaults: PolicyDefaults
  /** The client's no-store. */
  noStore: boolean
}

/**
 * A MISS (or a REVALIDATED entry): stores the response when RFC 9111 allows it (the body is teed: the client's
 * half streams, the cache's half is put in waitUntil) and answers the client's conditional request from it. Calls
 * `finish` once the entry is stored or known not to be.
 */
export function storeMiss(rc: RequestContext, response: Response, s: StoreContext, finish: () => void, label: 'MISS' | 'REVALIDATED' = 'MISS'): Response {
  const plan = rc.method === 'GET' ? planStore(response, rc.startedAt, s.defaults, s.noStore) : ({ store: false } as const)
  let out = response
  if (!plan.store) {
    if (rc.method === 'GET') count(rc, 'not_stored')
    finish()
  } else {
    const [client, cached] = response.body ? response.body.tee() : [null, null]
    rc.waitUntil(bufferAndStore(rc, s, response, cached, plan).finally(finish))
    out = localResponse(client, response)
  }
  if ((plan.store || label === 'REVALIDATED') && notModified(rc.request.headers, out.headers)) {
    void out.body?.cancel()
    out = notModifiedResponse(out.headers)
  }
  out.headers.set('x-cache', label)
  return out
}

/** Header fields a 304 does not update in the stored response (RFC 9111 §3.2: framing; ours). */
const KEEP_ON_304 = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'content-range', FLAGS_HEADER])

/**
 * The origin answered the cache's conditional request with 304: the stored response, its headers updated from
 * the 304 (RFC 9111 §4.3.4), is served and stored again with fresh times (REVALIDATED).
 */
export function freshen(rc: RequestContext, res304: Response, entry: Entry, s: StoreContext, finish: () => void): Response {
  const headers = new Headers(entry.headers)
  for (const [name, value] of res304.headers) if (!KEEP_ON_304.has(name)) headers.set(name, value)
  void res304.body?.cancel()
  count(rc, 'revalidated')
  return storeMiss(rc, new Response(entry.body, { status: entry.status, headers }), s, finish, 'REVALIDATED')
}

/** The cache's conditional request for a stale entry: its validators replace the client's (RFC 9111 §4.3.1). */
export function conditionalFor(headers: Headers, entry: Entry): void {
  const etag = entry.headers.get('etag')
  const lm = entry.headers.get('last-modified')
  if (etag !== null) headers.set('if-none-match', etag)
  if (lm !== null) headers.set('if-modified-since', lm)
}

/**
 * Reads the cache's copy of a body within `max_body_bytes` (a Content-Length is not always there to check
 * first) and puts the entry; over the limit it is not stored.
 */
async function bufferAndStore(rc: RequestContext, s: StoreContext, res: Response, body: ReadableStream<Uint8Array> | null, plan: Extract<StorePlan, { store: true }>) {
  const bytes = body ? await readCapped(body, s.defaults.maxBodyBytes) : null
  if (bytes === undefined) {
    count(rc, 'not_stored')
    return
  }
  await store(rc, s.cache, s.key, toStored(res, bytes, plan, rc.startedAt), bytes)
}

/**
 * stale-while-revalidate: fetches the route's response again in the background and stores it when it may. With
 * `copy` (an entry with a validator, its body still unread) the request is conditional and a 304 refreshes it.
 */
export async function revalidate(rc: RequestContext, s: StoreContext, copy?: Entry): Promise<void> {
  const slot = await coalesce(s.key, 0)
  if (slot.waited || !slot.finish) return discard(copy)
  const finish = slot.finish
  try {
    if (copy) conditionalFor(rc.headers, copy)
    const res = await rc.refetch!()
    if (copy && res.status === 304 && !res.headers.has(FLAGS_HEADER)) {
      const fresh = freshen(rc, res, copy, s, finish)
      copy = undefined
      await fresh.body?.cancel() // nobody reads the client's half: the cache's half is stored in waitUntil
      return
    }
    const plan = res.headers.has(FLAGS_HEADER) ? ({ store: false } as const) : planStore(res, rc.startedAt, s.defaults, false)
    if (!plan.store) {
      if (res.headers.has(FLAGS_HEADER) || res.status >= 500) count(rc, 'revalidate_failed')
      await res.body?.cancel()
      return
    }
    await bufferAndStore(rc, s, res, res.body, plan)
  } catch (e) {
    count(rc, 'revalidate_failed')
    warn('refresh', e, rc.requestId)
  } finally {
    discard(copy)
    finish()
  }
}
