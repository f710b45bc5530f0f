/** @module cache filter config: shared-cache policy per route (RFC 9111) on the Workers Cache API. */
import * as z from 'zod'
import { duration, headerName } from '../../config/primitives.ts'
import { declareStats } from '../types.ts'

/**
 * `cache.*` stats, gateway-wide; each is also recorded per route as `vhost.<v>.route.<r>.cache.<name>`
 * (Prometheus: `legate_vhost_route_cache_hit{virtual_host,route}`).
 */
export const CACHE_STATS = declareStats('cache', {
  hit: 'HIT (fresh entry or its 304)',
  miss: 'MISS',
  stale: 'STALE',
  bypass: 'BYPASS',
  bytes: 'body bytes served from the cache',
  stored: 'responses stored',
  not_stored: 'responses not storable',
  coalesced: 'misses that waited for another',
  revalidated: 'stale entries the origin confirmed (304)',
  revalidate_failed: 'failed refreshes',
  invalidated: 'entries deleted by an unsafe request',
  store_failed: 'Cache API errors',
})

const names = (max: number) => z.array(z.string().min(1).max(256)).max(max)

/** What goes into the cache key besides the host and the normalized path. */
export const cacheKey = z.strictObject({
  /**
   * Query parameters in the key: `all` (default), `none`, or only those `include` lists, or all but those
   * `exclude` lists. Parameters are sorted by name (stable for equal names) so `?b=1&a=2` and `?a=2&b=1` share
   * an entry. @default { mode: all }
   */
  query: z
    .strictObject({
      mode: z.enum(['all', 'none', 'include', 'exclude']).default('all'),
      /** Names for `include`/`exclude`. Max 100. @default [] */
      names: names(100).default([]),
      /** Sort parameters by name. @default true */
      sort: z.boolean().default(true),
    })
    .prefault({}),
  /** Request headers whose values are part of the key (lower-cased names). Max 20. @default [] */
  headers: z.array(headerName).max(20).default([]),
  /** Cookies whose values are part of the key. Max 20. @default [] */
  cookies: names(20).default([]),
})

/** Requests that skip the cache entirely (x-cache: BYPASS): neither served from nor stored. */
export const cacheBypass = z.strictObject({
  /** Any of these request headers present. Max 20. @default [] */
  headers: z.array(headerName).max(20).default([]),
  /** Any of these cookies present. Max 20. @default [] */
  cookies: names(20).default([]),
  /** Any of these query parameters present. Max 20. @default [] */
  query_parameters: names(20).default([]),
})

/**
 * `cache` config. One instance per distinct resolved config; per-route changes go through `filters: { cache: … }`
 * overrides (one level deep: an override's `key` replaces the whole `key`).
 */
export const cacheConfig = z.strictObject({
  /**
   * Freshness when the origin gives none (no s-maxage, max-age or Expires), for the status codes RFC 9111 lets a
   * cache store heuristically (200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501). @default none: not stored
   */
  default_ttl: duration.optional(),
  /** stale-while-revalidate when the origin's Cache-Control gives none. @default none */
  stale_while_revalidate: duration.optional(),
  /** stale-if-error when the origin's Cache-Control gives none. @default none */
  stale_if_error: duration.optional(),
  /**
   * How long an entry with a validator (ETag or Last-Modified) is kept past its freshness and stale windows, to be
   * revalidated with a conditional request (a 304 refreshes it) instead of fetched again in full. Also lets
   * `no-cache` responses with a validator be stored (revalidated before every use). `"0s"`: not kept, no
   * revalidation. @default "1h"
   */
  keep_for_revalidation: duration.default(3_600_000),
  /** Cache key parts. */
  key: cacheKey.prefault({}),
  /** Bypass rules. */
  bypass: cacheBypass.prefault({}),
  /**
   * Requests with `Authorization`: `bypass` (default, safe: never served from or stored in a shared entry) or
   * `per_identity`: cached under the identity an auth filter earlier in the chain established (`rc.identity
   * .consumer`: the JWT subject, the API key's consumer); without one the request bypasses. @default bypass
   */
  authorization: z.enum(['bypass', 'per_identity']).default('bypass'),
  /**
   * Honour the client's `Cache-Control: no-cache | no-store | max-age=0` (refetch / do not store). `false` stops
   * clients from forcing origin fetches (Envoy `ignore_request_cache_control_header`). @default true
   */
  honor_request_cache_control: z.boolean().default(true),
  /**
   * Largest body stored, bytes. A stored body is buffered (within this limit) while it streams to the client, so
   * the entry's size is known; a larger one is not stored. @default 2097152 (2 MiB)
   */
  max_body_bytes: z.number().int().min(0).max(100 * 1024 * 1024).default(2 * 1024 * 1024),
  /**
   * Concurrent misses for one key in one isolate wait for the first one's response instead of going upstream,
   * at most this long (then they go upstream themselves). `"0ms"` turns coalescing off. @default "5s"
   */
  coalesce_timeout: duration.default(5_000),
})

/** Parsed `cache` config. */
export type CacheConfig = z.output<typeof cacheConfig>
