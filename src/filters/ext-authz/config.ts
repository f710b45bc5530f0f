/** @module ext_authz filter config (Envoy `ExtAuthz` with an `http_service`, flattened). */
import * as z from 'zod'
import { duration, headerName, headerValue, stringMatch } from '../../config/primitives.ts'
import { isBareOrigin, tryParseUrl } from '../../lib/url.ts'
import { declareStats } from '../types.ts'

/** As Envoy's `cluster.<target>.ext_authz.*`. */
export const EXT_AUTHZ_STATS = declareStats(
  'ext_authz',
  {
    ok: 'requests the service allowed',
    denied: 'requests the service denied (ERR_EXT_AUTHZ_DENIED)',
    error: 'checks that failed: unreachable, timed out, or an answer that is not a decision',
    failure_mode_allowed: 'failed checks let through by failure_mode_allow',
  },
  { check_ms: 'time the service took to decide, ms' }
)

export const EXT_AUTHZ_ERRORS = {
  ERR_EXT_AUTHZ_DENIED: { status: 403, flag: 'UAEX', title: 'Denied by the authorization service' },
  ERR_EXT_AUTHZ_ERROR: { status: 403, flag: 'UAEX', title: 'The authorization service could not be consulted' },
} as const

/** Largest `max_request_bytes`: the body is held in the isolate's memory (128 MB) while the service decides. */
export const MAX_BUFFERED_BODY = 8 * 1024 * 1024

/** A header-name matcher: a plain name (exact) or a string matcher. Header names always compare case-insensitively. */
const nameMatcher = z.union([headerName, stringMatch])
export type NameMatcher = z.output<typeof nameMatcher>

const origin = z.url({ protocol: /^https?$/ }).superRefine((u, ctx) => {
  // Runs after a failed `.url()` check too (zod v4): that one already reported an unparsable URL.
  const url = tryParseUrl(u)
  if (url && !isBareOrigin(url))
    ctx.addIssue({ code: 'custom', message: 'url is an origin only (http(s)://host[:port]); put a path in path_prefix' })
})

/** `ext_authz` config. Exactly one of `url`, `cluster` or `service` names the authorization service. */
export const extAuthzConfig = z
  .strictObject({
    /** Origin of the authorization service, `http(s)://host[:port]` (Envoy `server_uri.uri`). */
    url: origin.optional(),
    /**
     * A configured cluster whose endpoints answer checks (Envoy `server_uri.cluster`), load-balanced by its
     * `lb_policy`. Only endpoints and load balancing apply: a check is one attempt under `timeout`, without the
     * route's retries. Must name a cluster of the same route table.
     */
    cluster: z.string().min(1).optional(),
    /** Name of a service binding (a Worker) that answers checks; it sees the request's own host. */
    service: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a binding name, e.g. AUTHZ').optional(),
    /** Prepended to the request path in the check request (Envoy `path_prefix`). @default '' */
    path_prefix: z
      .string()
      .regex(/^(\/[^?#\s]*[^?#\s/])?$/, 'path_prefix starts with "/", does not end with "/", and has no "?", "#" or spaces')
      .default(''),
    /** Deadline for the check, headers and body (Envoy's default for ext_authz is 200 ms). Max 60s. @default '200ms' */
    timeout: duration.refine((ms) => ms >= 1 && ms <= 60_000, 'timeout is from 1ms to 60s').default(200),
    /**
     * Request headers sent to the service, besides `authorization` and `x-forwarded-host` (the original host),
     * which always are; method and path are the check request's own. Values are the upstream-bound ones (client
     * copies of `x-legate-*` are already removed); a header sent on several lines goes as one joined value.
     * @default [] (Envoy `allowed_headers`)
     */
    allowed_headers: z.array(nameMatcher).max(100).default([]),
    /** Headers added to every check request, e.g. a secret that proves the gateway is calling. @default [] */
    headers_to_add: z.array(z.strictObject({ key: headerName, value: headerValue })).max(50).default([]),
    /**
     * Buffer the request body and send it with the check (Envoy `with_request_body`). The buffered body still goes
     * upstream afterwards. @default unset: the check has no body
     */
    with_request_body: z
      .strictObject({
        /** Bytes sent to the service, 1 to 8 MiB. Required. */
        max_request_bytes: z.number().int().min(1).max(MAX_BUFFERED_BODY),
        /** Over the limit: send the first `max_request_bytes` with `x-envoy-auth-partial-body: true` (true) or answer 413 (false). @default false */
        allow_partial_message: z.boolean().default(false),
      })
      .optional(),
    /** Headers of an allowing (2xx) answer copied onto the upstream request, replacing the client's. @default [] */
    allowed_upstream_headers: z.array(nameMatcher).max(100).default([]),
    /** Headers of a denying answer passed to the client. @default unset: all but hop-by-hop and `content-length` */
    allowed_client_headers: z.array(nameMatcher).max(100).optional(),
    /** On a failed check (unreachable, timeout, 5xx): let the request through (true) or answer `status_on_error`. @default false */
    failure_mode_allow: z.boolean().default(false),
    /** Status of the local reply when the check fails and `failure_mode_allow` is false. @default 403 (Envoy) */
    status_on_error: z.number().int().min(400).max(599).default(403),
  })
  .superRefine((c, ctx) => {
    const set = (['url', 'cluster', 'service'] as const).filter((k) => c[k] !== undefined)
    if (set.length !== 1)
      ctx.addIssue({ code: 'custom', message: `set exactly one of url, cluster or service (got ${set.join(', ') || 'none'})` })
  })

/** Parsed `ext_authz` config. */
export type ExtAuthzConfig = z.output<typeof extAuthzConfig>
