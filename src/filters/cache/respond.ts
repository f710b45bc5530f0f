/**
 * @module Answers from the cache and the response phase: serving an entry (HIT or STALE, 304 to a matching
 * conditional request, Age), stale-if-error, storing a cacheable upstream response while it streams to the client,
 * and the stale-while-revalidate refresh.
 */
import { readCapped } from '../../http/body.ts'
import { FLAGS_HEADER } from '../../http/problem.ts'
import type { RequestContext } from '../types.ts'
import { ageOf, type Entry, toStored } from './entry.ts'
import { notModified, notModifiedResponse, planStore, type PolicyDefaults, type StorePlan } from './policy.ts'
import { coalesce, count, store, warn } from './store.ts'

export type Label = 'HIT' | 'MISS' | 'STALE' | 'BYPASS'

/** Serves a stored entry: a 304 when the client's validators match it, headers only for HEAD. */
export function serve(rc: RequestContext, entry: Entry, label: 'HIT' | 'STALE'): Response {
  const res = entry.response
  let out = res
  if (notModified(rc.request.headers, res.headers)) {
    void res.body?.cancel()
    out = notModifiedResponse(res.headers)
  } else if (rc.method === 'HEAD') {
    void res.body?.cancel()
    out = new Response(null, { status: res.status, headers: res.headers })
  } else {
    if (entry.bytes > 0) count(rc, 'bytes', entry.bytes)
  }
  out.headers.set('age', String(Math.floor(ageOf(entry, rc.startedAt) / 1000)))
  out.headers.set('x-cache', label)
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
 * A MISS: stores the response when RFC 9111 allows it (the body is teed: the client's half streams, the cache's
 * half is put in waitUntil) and answers the client's conditional request from it. Calls `finish` once the entry is
 * stored or known not to be.
 */
export function storeMiss(rc: RequestContext, response: Response, s: StoreContext, finish: () => void): Response | void {
  const plan = rc.method === 'GET' ? planStore(response, rc.startedAt, s.defaults, s.noStore) : ({ store: false } as const)
  if (!plan.store) {
    if (rc.method === 'GET') count(rc, 'not_stored')
    finish()
    response.headers.set('x-cache', 'MISS')
    return
  }
  const [client, cached] = response.body ? response.body.tee() : [null, null]
  rc.waitUntil(bufferAndStore(rc, s, response, cached, plan).finally(finish))
  let out = new Response(client, response)
  if (notModified(rc.request.headers, out.headers)) {
    void client?.cancel()
    out = notModifiedResponse(out.headers)
  }
  out.headers.set('x-cache', 'MISS')
  return out
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

/** stale-while-revalidate: fetches the route's response again in the background and stores it when it may. */
export async function revalidate(rc: RequestContext, s: StoreContext): Promise<void> {
  const slot = await coalesce(s.key, 0)
  if (slot.waited || !slot.finish) return
  const finish = slot.finish
  try {
    const res = await rc.refetch!()
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
    finish()
  }
}
