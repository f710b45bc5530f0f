/**
 * @module cache filter: a shared HTTP cache (RFC 9111) on the Workers Cache API. The request phase answers
 * from a fresh entry (x-cache: HIT; synchronously from the in-isolate layer), from a stale one while it refreshes in
 * waitUntil (STALE), or lets the request go upstream (MISS, BYPASS), conditionally when a stale entry has a
 * validator; the response phase stores what may be stored, refreshes an entry the origin confirmed with a 304
 * (REVALIDATED), serves a stale entry when the upstream failed (stale-if-error) and lets an unsafe request's
 * success invalidate its URL. Answers locally: cache hits (and 304s to conditional requests).
 */
import { defineFilter, type RequestContext } from '../types.ts'
import { CACHE_STATS, type CacheConfig, cacheConfig } from './config.ts'
import { discard, type Entry, freshnessOf, revalidatable } from './entry.ts'
import { currentGenerations, type Generations } from './generations.ts'
import { hotGet } from './hot.ts'
import { invalidate, UNSAFE } from './invalidate.ts'
import { cacheKeyUrl, compileKeyPlan, cookieValue, type KeyInput } from './key.ts'
import { type PolicyDefaults, requestDirectives } from './policy.ts'
import { conditionalFor, freshen, revalidate, serve, type StoreContext, storeMiss, upstreamFailed } from './respond.ts'
import { coalesce, count, lookup } from './store.ts'

/** What the request phase leaves for the response phase. */
export interface CacheState {
  bypass: boolean
  store?: StoreContext
  /** A stale entry within its stale-if-error window, served if the upstream fails. */
  fallback?: Entry
  /** A stale entry with a validator: the upstream request is conditional, a 304 refreshes it. */
  validate?: Entry
  /** An unsafe method: a non-error response invalidates the URL's entries. */
  invalidates?: boolean
  /** Ends this request's claim on its key (coalesced misses wait for it). */
  finish?: () => void
}

declare module '../../context.ts' {
  interface FilterStateMap {
    cache: CacheState
  }
}

/** What the admin API needs to find an entry by URL: the route's key function. */
export type CacheKeyer = (input: KeyInput, generations: Generations) => string | undefined

/** The cache filter instances, for purge by URL (src/admin/cache-routes.ts). */
export const KEYERS = new WeakMap<object, CacheKeyer>()

const CONDITIONALS = ['if-none-match', 'if-modified-since']
const NOOP = () => {}
const NO_DIRECTIVES = { noStore: false, noCache: false }
const NO_HEADERS = { get: () => null }

/** Two entries over one stored response: the body is shared when in memory, else its stream is teed. */
function twoOf(e: Entry): [Entry, Entry] {
  if (!(e.body instanceof ReadableStream)) return [e, e]
  const [a, b] = e.body.tee()
  return [{ ...e, body: a }, { ...e, body: b }]
}

function bypassRule(config: CacheConfig) {
  const headers = config.bypass.headers.map((h) => h.toLowerCase())
  const { cookies, query_parameters: params } = config.bypass
  return (rc: RequestContext, incoming: Headers): boolean => {
    // Range requests are left to the origin: the Cache API cannot store a 206.
    if (incoming.has('range')) return true
    for (const h of headers) if (incoming.has(h)) return true
    if (cookies.length) {
      const cookie = incoming.get('cookie')
      for (const c of cookies) if (cookieValue(cookie, c) !== undefined) return true
    }
    for (const q of params) if (rc.url.searchParams.has(q)) return true
    return false
  }
}

/**
 * The `cache` filter.
 * @example
 * http_filters:
 *   - name: cache
 *     config: { default_ttl: 60s, stale_if_error: 10m, key: { query: { mode: include, names: [page] } } }
 */
export const cacheFilter = defineFilter({
  name: 'cache',
  status: 'alpha',
  description: 'Shared HTTP cache (RFC 9111) on the Workers Cache API',
  configSchema: cacheConfig,
  stats: CACHE_STATS,
  create(config) {
    const plan = compileKeyPlan(config.key)
    const bypassed = bypassRule(config)
    const defaults: PolicyDefaults = {
      maxBodyBytes: config.max_body_bytes,
      varyAllowed: new Set(plan.headers),
      ...(config.default_ttl !== undefined ? { defaultTtlMs: config.default_ttl } : {}),
      ...(config.stale_while_revalidate !== undefined ? { swrMs: config.stale_while_revalidate } : {}),
      ...(config.stale_if_error !== undefined ? { sieMs: config.stale_if_error } : {}),
      keepMs: config.keep_for_revalidation,
    }

    const skip = (rc: RequestContext, invalidates = false) => {
      rc.state.cache = { bypass: true, invalidates }
      count(rc, 'bypass')
    }
    // Read once: the parsed config's fields are not read per request.
    const perIdentity = config.authorization === 'per_identity'
    const honorCacheControl = config.honor_request_cache_control
    const coalesceTimeout = config.coalesce_timeout
    const identityOf = (rc: RequestContext) => (perIdentity ? rc.identity.consumer : undefined)
    // The key's headers and cookies are read one by one: a hit never builds the upstream headers.
    const keyHeaders = plan.headers.length || plan.cookies.length

    /** After the lookup (or the in-isolate entry that was not fresh): stale entries, coalescing, the miss. */
    async function decide(rc: RequestContext, key: string, noCache: boolean, hot: Entry | undefined): Promise<Response | void> {
      const cache = caches.default
      const s: StoreContext = { cache, key, defaults, noStore: false }
      const state: CacheState = { bypass: false, store: s }
      if (!noCache) {
        const found = hot ?? (await lookup(rc, cache, key))
        if (found) {
          const f = freshnessOf(found, rc.startedAt)
          if (f === 'fresh') return serve(rc, found, 'HIT')
          const validate = rc.method === 'GET' && revalidatable(found, rc.startedAt)
          if (f === 'swr' && rc.refetch) {
            for (const h of CONDITIONALS) rc.headers.delete(h)
            const [served, copy] = validate ? twoOf(found) : [found, undefined]
            rc.waitUntil(revalidate(rc, s, copy))
            return serve(rc, served, 'STALE')
          }
          if (f === 'sie') state.fallback = found
          if (validate) state.validate = found
          else if (f === 'expired') discard(found)
        }
        if (coalesceTimeout > 0) {
          const slot = await coalesce(key, coalesceTimeout)
          if (slot.waited) {
            const again = hotGet(key, rc.startedAt) ?? (await lookup(rc, cache, key))
            if (again && freshnessOf(again, rc.startedAt) === 'fresh') {
              count(rc, 'coalesced')
              discard(state.fallback ?? state.validate)
              return serve(rc, again, 'HIT')
            }
            discard(again)
          } else if (slot.finish) state.finish = slot.finish
        }
      }
      // The cache answers the client's validators itself, from a full response it can store; a stale entry
      // with a validator is revalidated with the cache's own conditional request (RFC 9111 §4.3.1).
      for (const h of CONDITIONALS) rc.headers.delete(h)
      if (state.validate) conditionalFor(rc.headers, state.validate)
      rc.state.cache = state
    }

    /** With the generations known: a fresh entry of this isolate answers at once (no await), else `decide`. */
    function keyed(rc: RequestContext, gens: Generations | undefined, noCache: boolean, identity: string | undefined) {
      const headers = keyHeaders ? { get: (name: string) => rc.header(name) } : NO_HEADERS
      const key = gens && cacheKeyUrl(plan, { url: rc.url, headers, routeName: rc.routeName, vhostName: rc.vhostName, identity }, gens)
      if (!key) return skip(rc)
      const hot = noCache ? undefined : hotGet(key, rc.startedAt)
      if (hot && freshnessOf(hot, rc.startedAt) === 'fresh') return serve(rc, hot, 'HIT')
      return decide(rc, key, noCache, hot)
    }

    const filter = {
      onRequest(rc: RequestContext): Response | void | Promise<Response | void> {
        if (rc.method !== 'GET' && rc.method !== 'HEAD') return skip(rc, UNSAFE.has(rc.method))
        const incoming = rc.request.headers // an accessor call: read once
        if (bypassed(rc, incoming)) return skip(rc)
        const reqCc = honorCacheControl ? requestDirectives(incoming.get('cache-control')) : NO_DIRECTIVES
        if (reqCc.noStore) return skip(rc)
        // A shared entry never answers a request with credentials; per identity, the identity is in the key.
        const identity = identityOf(rc)
        if (identity === undefined && incoming.has('authorization')) return skip(rc)
        const g = currentGenerations(rc.env.CONFIG, rc.startedAt, rc.waitUntil)
        if (g instanceof Promise) return g.then((gens) => keyed(rc, gens, reqCc.noCache, identity))
        return keyed(rc, g, reqCc.noCache, identity)
      },

      onResponse(rc: RequestContext, response: Response): Response | void | Promise<void> {
        const state = rc.state.cache
        if (!state) return
        if (state.bypass || !state.store) {
          response.headers.set('x-cache', 'BYPASS')
          if (state.invalidates) return invalidate(rc, response, plan, identityOf(rc))
          return
        }
        const finish = state.finish ?? NOOP
        const stale = state.validate ?? state.fallback
        if (state.fallback && upstreamFailed(rc, response)) {
          finish()
          void response.body?.cancel()
          return serve(rc, state.fallback, 'STALE')
        }
        // Every request the upstream answered is a miss; a 304 to the cache's own conditional is also revalidated.
        count(rc, 'miss')
        if (state.validate && response.status === 304 && rc.upstream) return freshen(rc, response, state.validate, state.store, finish)
        discard(stale)
        return storeMiss(rc, response, state.store, finish)
      },
    }
    KEYERS.set(filter, (input, gens) => cacheKeyUrl(plan, input, gens))
    return filter
  },
})
