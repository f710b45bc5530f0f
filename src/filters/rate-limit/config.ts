/**
 * @module rate_limit filter config: Envoy's `RateLimit` actions (descriptors) with the limits inline (what Envoy
 * keeps in the rate limit service's config), a backend mode per limit, and the global filter's timeout and
 * failure mode. Limits and their bounds: docs/configuration.md, `rate_limit`.
 */
import * as z from 'zod'
import { duration, headerMatch } from '../../config/primitives.ts'
import { declareStats } from '../types.ts'

/** One of ok / over_limit / error per request that any limit applied to, plus what happened on the way. */
export const RATE_LIMIT_STATS = declareStats('rate_limit', {
  ok: 'requests admitted (shadow refusals included)',
  over_limit: 'requests refused with 429 ERR_RATE_LIMITED',
  shadow_over_limit: 'requests a shadow_mode limit would have refused',
  error: 'requests whose limits could not be consulted',
  failure_mode_allowed: 'of those, requests let through (failure_mode: allow)',
  do_calls: 'calls to RateLimiter Durable Objects',
})

export const RATE_LIMIT_ERRORS = {
  ERR_RATE_LIMITED: { status: 429, flag: 'RL', title: 'Too many requests: a rate limit was exceeded' },
  ERR_RATE_LIMIT_SERVICE: { status: 503, flag: 'RLSE', title: 'The rate limit service could not be consulted' },
} as const

const descriptorKey = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'descriptor keys use letters, digits and "_.:-"')
const skipIfAbsent = {
  /** Absent value: false skips the whole limit for this request (Envoy); true omits only this entry. @default false */
  skip_if_absent: z.boolean().default(false),
}
const ACTIONS = [
  'remote_address', 'masked_remote_address', 'request_headers', 'query_parameters', 'generic_key', 'header_value_match',
  'route_name', 'method', 'jwt_claim', 'api_key_consumer',
] as const

/** One descriptor entry (Envoy `RateLimit.Action`): set exactly one key. */
export const rateLimitAction = z
  .strictObject({
    /** `("remote_address", <trusted client address>)`. */
    remote_address: z.strictObject({}).optional(),
    /** `("masked_remote_address", "192.0.2.0/24")`: the client address with host bits cleared. */
    masked_remote_address: z
      .strictObject({
        /** @default 32 */
        v4_prefix_mask_len: z.number().int().min(0).max(32).default(32),
        /** @default 128 */
        v6_prefix_mask_len: z.number().int().min(0).max(128).default(128),
      })
      .optional(),
    /** `(<descriptor_key>, <header value>)`, read from the upstream-bound headers (after earlier filters). */
    request_headers: z.strictObject({ header_name: z.string().min(1), descriptor_key: descriptorKey.optional(), ...skipIfAbsent }).optional(),
    /** `(<descriptor_key>, <first value as received>)`. */
    query_parameters: z.strictObject({ query_parameter_name: z.string().min(1), descriptor_key: descriptorKey.optional(), ...skipIfAbsent }).optional(),
    /** A constant entry: `(<descriptor_key> = "generic_key", <descriptor_value>)`. */
    generic_key: z.strictObject({ descriptor_value: z.string().min(1), descriptor_key: descriptorKey.default('generic_key') }).optional(),
    /** `(<descriptor_key> = "header_match", <descriptor_value>)` when all `headers` match (`expect_match`), else the limit is skipped. */
    header_value_match: z
      .strictObject({
        descriptor_value: z.string().min(1),
        descriptor_key: descriptorKey.default('header_match'),
        /** @default true */
        expect_match: z.boolean().default(true),
        headers: z.array(headerMatch).min(1),
      })
      .optional(),
    /** `("route_name", <route name>)`. */
    route_name: z.strictObject({}).optional(),
    /** `("method", <request method>)`. */
    method: z.strictObject({}).optional(),
    /** `(<descriptor_key> = claim, <value>)` from `rc.identity.claims[provider]`; `claim` may be a dotted path. */
    jwt_claim: z.strictObject({ provider: z.string().min(1), claim: z.string().min(1), descriptor_key: descriptorKey.optional(), ...skipIfAbsent }).optional(),
    /** `(<descriptor_key> = "consumer", rc.identity.consumer)`, set by api_key (or jwt_authn). */
    api_key_consumer: z.strictObject({ descriptor_key: descriptorKey.default('consumer'), ...skipIfAbsent }).optional(),
  })
  .superRefine((a, ctx) => {
    const set = ACTIONS.filter((k) => a[k] !== undefined)
    if (set.length !== 1) ctx.addIssue({ code: 'custom', message: `set exactly one action: ${ACTIONS.join(' | ')} (got ${set.join(', ') || 'none'})` })
  })
export type RateLimitAction = z.output<typeof rateLimitAction>

const UNIT_MS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const

/** One limit: how to build its key, how much it allows, where it is counted. */
export const rateLimitEntry = z
  .strictObject({
    /** Policy name in headers and keys; unique in the filter. Renaming it starts new buckets. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'limit names use 1-64 letters, digits, "_", "." and "-"'),
    /** Descriptor entries, in order (≥ 1). */
    actions: z.array(rateLimitAction).min(1).max(16),
    /** Envoy local rate limit bucket: `max_tokens` (burst, initial fill), `tokens_per_fill` per `fill_interval`. */
    token_bucket: z
      .strictObject({
        max_tokens: z.number().int().min(1),
        /** @default 1 */
        tokens_per_fill: z.number().int().min(1).default(1),
        /** ≥ 50ms (Envoy). Fills happen at multiples of it since the epoch. */
        fill_interval: duration.refine((ms) => ms >= 50, 'fill_interval must be at least 50ms'),
      })
      .optional(),
    /** Sliding window counter: `requests_per_unit` per `unit`. */
    sliding_window: z
      .strictObject({
        requests_per_unit: z.number().int().min(1),
        unit: z.enum(['second', 'minute', 'hour', 'day']),
      })
      .optional(),
    /** Cloudflare's Rate Limiting binding (per location, approximate): mirror its wrangler.toml `simple` settings. */
    workers_ratelimit: z
      .strictObject({
        /** The `ratelimits` binding name in wrangler.toml. */
        binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a binding name'),
        /** The binding's `limit`, for the RateLimit-Policy header. */
        limit: z.number().int().min(1),
        /** The binding's `period`: 10 or 60 seconds. */
        period: z.literal([10, 60]),
      })
      .optional(),
    /**
     * `exact` (every request asks the owning RateLimiter object), `leased` (isolates spend leased tokens locally),
     * `local` (per isolate, no object), or `auto`: leased when a lease may hold ≥ 10 tokens, else exact.
     * @default auto
     */
    mode: z.enum(['auto', 'exact', 'leased', 'local']).default('auto'),
    /** Units each request costs (Envoy `hits_addend`), at most the limit's capacity. @default 1 */
    hits_addend: z.number().int().min(1).default(1),
    /** Count but never refuse (`shadow_over_limit`). @default the filter's `shadow_mode` */
    shadow_mode: z.boolean().optional(),
  })
  .superRefine((l, ctx) => {
    const kinds = (['token_bucket', 'sliding_window', 'workers_ratelimit'] as const).filter((k) => l[k] !== undefined)
    if (kinds.length !== 1)
      return ctx.addIssue({ code: 'custom', message: `set exactly one of token_bucket, sliding_window, workers_ratelimit (got ${kinds.join(', ') || 'none'})` })
    const capacity = l.token_bucket?.max_tokens ?? l.sliding_window?.requests_per_unit ?? Infinity
    if (l.hits_addend > capacity) ctx.addIssue({ code: 'custom', path: ['hits_addend'], message: `hits_addend ${l.hits_addend} exceeds the limit's capacity ${capacity}` })
    if (l.workers_ratelimit && l.mode !== 'auto') ctx.addIssue({ code: 'custom', path: ['mode'], message: 'mode does not apply to workers_ratelimit' })
  })
export type RateLimitEntry = z.output<typeof rateLimitEntry>

/** `rate_limit` config. */
export const rateLimitConfig = z
  .strictObject({
    /** Namespace of every key (Envoy `domain`): two gateways sharing objects keep apart by domain. @default legate */
    domain: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'domains use 1-64 letters, digits, "_", "." and "-"').default('legate'),
    /** The limits; a request may match several, and any over limit refuses it. */
    rate_limits: z.array(rateLimitEntry).min(1).max(32),
    /** How long a request waits for a RateLimiter object (exact mode, or a lease when none is held). @default 20ms (Envoy) */
    timeout: duration.refine((ms) => ms >= 1, 'timeout must be at least 1ms').default(20),
    /** When the object fails or is slow: `allow` (flag RLSE, `failure_mode_allowed`) or `deny` (`status_on_error`). @default allow */
    failure_mode: z.enum(['allow', 'deny']).default('allow'),
    /**
     * Status of the `ERR_RATE_LIMIT_SERVICE` reply with `failure_mode: deny`. Envoy uses 500; Legate's data plane
     * answers its own failures with 503 (service unavailable), so clients and retries treat it as transient.
     * @default 503
     */
    status_on_error: z.number().int().min(400).max(599).default(503),
    /** Status of the `ERR_RATE_LIMITED` reply. @default 429 */
    rate_limited_status: z.number().int().min(400).max(599).default(429),
    /** Count every limit but refuse nothing (limits may override). @default false */
    shadow_mode: z.boolean().default(false),
    /** IETF `RateLimit-Policy` and `RateLimit` headers: on every response, on refusals only, or never. @default always */
    ratelimit_headers: z.enum(['always', 'on_limit', 'off']).default('always'),
    /** RateLimiter objects the keys are spread over (jump consistent hash). @default 16 */
    shards: z.number().int().min(1).max(1024).default(16),
    /** The Durable Object namespace binding. @default RATE_LIMITER */
    durable_object_binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a binding name').default('RATE_LIMITER'),
    /** Leased mode tuning. */
    lease: z
      .strictObject({
        /** How long a grant stays spendable; the token bucket's over-admission bound grows with it. @default 1s */
        ttl: duration.refine((ms) => ms >= 10, 'ttl must be at least 10ms').default(1_000),
        /** Largest grant, as a share of the limit's capacity. @default 0.05 */
        max_fraction: z.number().gt(0).max(1).default(0.05),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>()
    c.rate_limits.forEach((l, i) => {
      if (seen.has(l.name)) ctx.addIssue({ code: 'custom', path: ['rate_limits', i, 'name'], message: `duplicate limit name "${l.name}"` })
      seen.add(l.name)
    })
  })

/** Parsed `rate_limit` config. */
export type RateLimitConfig = z.output<typeof rateLimitConfig>

/** Milliseconds in a sliding window unit. */
export const unitMs = (unit: keyof typeof UNIT_MS) => UNIT_MS[unit]
