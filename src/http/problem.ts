/**
 * @module Local replies: every failure the gateway answers itself is an RFC 9457 problem body with a stable
 * code, an Envoy response flag in `x-legate-response-flags` and the request id.
 */

/** Stable error codes, one per deliberate local reply. */
export const ERROR_CODES = {
  ERR_ROUTE_NOT_FOUND: { status: 404, flag: 'NR', title: 'No route matches this request' },
  ERR_CLUSTER_NOT_FOUND: { status: 503, flag: 'NC', title: 'The route names a cluster that does not exist' },
  ERR_UPSTREAM_CONNECT: { status: 503, flag: 'UF', title: 'Upstream connection failed or was reset before a response' },
  ERR_UPSTREAM_TIMEOUT: { status: 504, flag: 'UT', title: 'The upstream did not answer in time' },
  ERR_NO_HEALTHY_UPSTREAM: { status: 503, flag: 'UH', title: 'No healthy upstream endpoint' },
  ERR_UPSTREAM_OVERFLOW: { status: 503, flag: 'UO', title: 'Upstream overflow (circuit-breaker threshold)' },
  ERR_CIRCUIT_OPEN: { status: 503, flag: 'UO', title: 'The circuit breaker is open' },
  ERR_UPSTREAM_PROTOCOL: { status: 502, flag: 'UPE', title: 'The upstream response cannot be forwarded (HTTP protocol error)' },
  ERR_RETRY_LIMIT: { status: 503, flag: 'URX', title: 'Upstream retries exhausted without a response' },
  ERR_BAD_PATH: { status: 400, flag: 'DPE', title: 'The request path is malformed' },
  ERR_BAD_REQUEST: { status: 400, flag: 'DPE', title: 'The request is malformed' },
  ERR_BODY_TOO_LARGE: { status: 413, flag: 'DPE', title: 'The request body is too large' },
  ERR_FAULT_ABORT: { status: 503, flag: 'FI', title: 'Aborted by fault injection' },
  ERR_CORS_FORBIDDEN: { status: 403, flag: 'DPE', title: 'CORS request from a disallowed origin' },
  ERR_UNAUTHORIZED: { status: 401, flag: 'UAEX', title: 'Missing or wrong credentials' },
  ERR_JWT_MISSING: { status: 401, flag: 'UAEX', title: 'This route requires a JWT' },
  ERR_JWT_INVALID: { status: 401, flag: 'UAEX', title: 'The JWT is invalid' },
  ERR_JWT_FORBIDDEN: { status: 403, flag: 'UAEX', title: 'The JWT does not grant access to this route' },
  ERR_NO_CONFIG: { status: 503, flag: 'NFCF', title: 'The gateway has no route table yet' },
  ERR_INTERNAL: { status: 502, flag: 'IE', title: 'The gateway failed while handling this request' },
  ERR_RATE_LIMITED: { status: 429, flag: 'RL', title: 'Too many requests: a rate limit was exceeded' },
  ERR_RATE_LIMIT_SERVICE: { status: 503, flag: 'RLSE', title: 'The rate limit service could not be consulted' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, flag: 'NR', title: 'This admin endpoint does not accept that method' },
  ERR_CONFIG_INVALID: { status: 400, flag: 'DPE', title: 'The route table is invalid' },
  ERR_CONFIG_VERSION_NOT_FOUND: { status: 404, flag: 'NR', title: 'No such config version' },
  ERR_ADMIN_BACKEND: { status: 503, flag: 'UF', title: 'A store behind the admin API failed' },
  ERR_API_KEY_MISSING: { status: 401, flag: 'UAEX', title: 'No API key in the request' },
  ERR_API_KEY_INVALID: { status: 401, flag: 'UAEX', title: 'The API key is unknown, revoked or expired' },
  ERR_API_KEY_FORBIDDEN: { status: 403, flag: 'UAEX', title: 'The API key lacks a scope this route requires' },
  ERR_API_KEY_UNAVAILABLE: { status: 503, flag: 'UAEX', title: 'API keys cannot be checked right now' },
  ERR_EXT_AUTHZ_DENIED: { status: 403, flag: 'UAEX', title: 'Denied by the authorization service' },
  ERR_EXT_AUTHZ_ERROR: { status: 403, flag: 'UAEX', title: 'The authorization service could not be consulted' },
  ERR_IP_FILTER_DENIED: { status: 403, flag: 'UAEX', title: 'Requests from this address or location are not accepted here' },
} as const satisfies Record<string, { status: number; flag: string; title: string }>

export type GatewayErrorCode = keyof typeof ERROR_CODES

export const FLAGS_HEADER = 'x-legate-response-flags'
export const REQUEST_ID_HEADER = 'x-request-id'

export interface ProblemInit {
  code: GatewayErrorCode
  /** What happened and what to do about it, for a human. */
  detail: string
  requestId: string
  /** Overrides the code's default status (e.g. a fault abort with a configured status). */
  status?: number
  /** Overrides the code's default response flag. */
  flag?: string
  headers?: HeadersInit
  /** Extra members for the problem body (RFC 9457 extension members). */
  extra?: Record<string, unknown>
}

/** Builds the problem+json reply. Never throws. */
export function problem(init: ProblemInit): Response {
  const def = ERROR_CODES[init.code]
  const status = init.status ?? def.status
  const flag = init.flag ?? def.flag
  const body = {
    type: `urn:legate:problem:${init.code}`,
    title: def.title,
    status,
    detail: init.detail,
    code: init.code,
    request_id: init.requestId,
    response_flags: flag,
    ...init.extra,
  }
  const headers = new Headers(init.headers)
  headers.set('content-type', 'application/problem+json')
  headers.set('cache-control', 'no-store')
  headers.set(FLAGS_HEADER, flag)
  headers.set(REQUEST_ID_HEADER, init.requestId)
  return new Response(JSON.stringify(body), { status, headers })
}
