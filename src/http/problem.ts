/**
 * @module Local replies: every failure the gateway answers itself is an RFC 9457 problem body with a stable
 * code, an Envoy response flag in `x-legate-response-flags` and the request id.
 */
import { localResponse } from './owned-response.ts'

/** What a stable error code stands for: its default status, Envoy response flag and problem title. */
export interface ErrorDef {
  readonly status: number
  readonly flag: string
  readonly title: string
}

/**
 * The core's stable error codes, one per deliberate local reply. Filters declare their own (`errors` on the
 * factory, e.g. ERR_JWT_MISSING in jwt_authn) and pass them to `problem()`; the registry keeps every code unique.
 */
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
  ERR_UNAUTHORIZED: { status: 401, flag: 'UAEX', title: 'Missing or wrong credentials' },
  ERR_NO_CONFIG: { status: 503, flag: 'NFCF', title: 'The gateway has no route table yet' },
  ERR_INTERNAL: { status: 502, flag: 'IE', title: 'The gateway failed while handling this request' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, flag: 'NR', title: 'This admin endpoint does not accept that method' },
  ERR_CONFIG_INVALID: { status: 400, flag: 'DPE', title: 'The route table is invalid' },
  ERR_CONFIG_VERSION_NOT_FOUND: { status: 404, flag: 'NR', title: 'No such config version' },
  ERR_ADMIN_BACKEND: { status: 503, flag: 'UF', title: 'A store behind the admin API failed' },
  ERR_CONFIG_CONFLICT: { status: 409, flag: 'DPE', title: 'The publish is based on a version that is no longer live' },
  ERR_ROLLOUT_CONFLICT: { status: 409, flag: 'DPE', title: 'A rollout is running (or none is, for promote and abort)' },
  ERR_PREVIEW_DENIED: { status: 403, flag: 'UAEX', title: 'The preview token is missing, wrong or expired' },
} as const satisfies Record<string, ErrorDef>

export type GatewayErrorCode = keyof typeof ERROR_CODES

export const FLAGS_HEADER = 'x-legate-response-flags'
export const REQUEST_ID_HEADER = 'x-request-id'

export interface ProblemInit<C extends string = GatewayErrorCode> {
  code: C
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

/**
 * Builds the problem+json reply. Never throws. A filter passes its own `errors` as `codes` to answer with one
 * of its codes: `problem({ code: 'ERR_TENANT_MISSING', detail, requestId: rc.requestId }, errors)`.
 */
export function problem(init: ProblemInit): Response
export function problem<C extends string>(init: ProblemInit<NoInfer<C>>, codes: Readonly<Record<C, ErrorDef>>): Response
export function problem(init: ProblemInit<string>, codes?: Readonly<Record<string, ErrorDef>>): Response {
  const def: ErrorDef = codes?.[init.code] ?? ERROR_CODES[init.code as GatewayErrorCode] ?? ERROR_CODES.ERR_INTERNAL
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
  return localResponse(JSON.stringify(body), { status, headers })
}
