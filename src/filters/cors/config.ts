/** @module cors filter config (Envoy `CorsPolicy`). */
import * as z from 'zod'
import { stringMatch } from '../../config/primitives.ts'
import { declareStats } from '../types.ts'

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+"
const LIST_RE = new RegExp(`^\\s*${TOKEN}(\\s*,\\s*${TOKEN})*\\s*$`)
const tokenList = (what: string) =>
  z.string().regex(LIST_RE, `expected a comma-separated list of ${what}, e.g. "GET, POST" or "*"`)

/** Envoy's `cors.origin_{valid,invalid}`, counted for requests with an `Origin`. */
export const CORS_STATS = declareStats('cors', {
  origin_valid: 'requests whose Origin the policy allows',
  origin_invalid: 'requests whose Origin the policy does not allow',
})

export const CORS_ERRORS = {
  ERR_CORS_FORBIDDEN: { status: 403, flag: 'DPE', title: 'CORS request from a disallowed origin' },
} as const

/**
 * `cors` config: Envoy CorsPolicy. A request is a CORS request when it has a non-empty `Origin`; a preflight is
 * an OPTIONS CORS request with `Access-Control-Request-Method`. Requests without `Origin` are untouched, except
 * that every response gets `Vary: Origin` (so shared caches never serve one origin's answer to another).
 */
export const corsConfig = z.strictObject({
  /**
   * Allowed origins: any matcher matching. As in Envoy, a matcher that matches the string "*" (e.g. `exact: '*'`)
   * allows every origin. The allowed origin is echoed in `access-control-allow-origin`, except that a literal
   * `exact: '*'` matcher with `allow_credentials: false` answers `*`. Max 100. @default [] (no origin allowed)
   */
  allow_origin_string_match: z.array(stringMatch).max(100).default([]),
  /**
   * `access-control-allow-methods` on preflights; "*" echoes the requested method (Envoy).
   * @default unset: header omitted, so browsers allow only GET, HEAD and POST
   */
  allow_methods: tokenList('methods').optional(),
  /**
   * `access-control-allow-headers` on preflights.
   * @default unset: echoes `Access-Control-Request-Headers` (as does "*", Envoy), which allows any header
   */
  allow_headers: tokenList('header names').optional(),
  /** `access-control-expose-headers` on actual responses. @default unset: header omitted */
  expose_headers: tokenList('header names').optional(),
  /** `access-control-max-age` on preflights, in seconds, as a string ("600"). @default unset: header omitted */
  max_age: z.string().regex(/^\d{1,9}$/, 'max_age is a number of seconds, e.g. "600"').optional(),
  /** Send `access-control-allow-credentials: true`. @default false */
  allow_credentials: z.boolean().default(false),
  /**
   * Answer `access-control-allow-private-network: true` to preflights that send
   * `Access-Control-Request-Private-Network: true`. @default false
   */
  allow_private_network_access: z.boolean().default(false),
  /**
   * Preflights from a disallowed origin go upstream (true) or get a 403 `ERR_CORS_FORBIDDEN` problem (false).
   * @default true (Envoy)
   */
  forward_not_matching_preflights: z.boolean().default(true),
})

/** Parsed `cors` config. */
export type CorsConfig = z.output<typeof corsConfig>
