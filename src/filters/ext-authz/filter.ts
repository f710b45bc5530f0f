/** @module ext_authz filter: asks an HTTP authorization service about every request (Envoy ext_authz, HTTP). */
import { toDownstreamHeaders } from '../../http/headers.ts'
import { localResponse } from '../../http/owned-response.ts'
import { FLAGS_HEADER, problem, REQUEST_ID_HEADER } from '../../http/problem.ts'
import { compileStringMatch } from '../../router/matchers.ts'
import { defineFilter, type FactoryContext, FilterConfigError, type RequestContext } from '../types.ts'
import { bufferBody } from './_body.ts'
import { check, type CheckPlan, type CheckTarget } from './_check.ts'
import { EXT_AUTHZ_ERRORS, EXT_AUTHZ_STATS, extAuthzConfig, type ExtAuthzConfig, type NameMatcher } from './config.ts'

/** The flag on every denial and failed check (Envoy `UAEX`). */
export const UAEX = 'UAEX'

/** What happened to one request, in `rc.state.ext_authz`. */
export interface ExtAuthzState {
  outcome: 'ok' | 'denied' | 'error' | 'failure_mode_allowed'
  /** Why the check failed, for `error` and `failure_mode_allowed`. */
  reason?: string
}

declare module '../../context.ts' {
  interface FilterStateMap {
    ext_authz: ExtAuthzState
  }
}

/** Never copied from the service's answer to the upstream request or to the client. */
const NEVER_COPIED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer'])

/** Compiles name matchers into one case-insensitive predicate over lower-case header names. */
function compileNames(matchers: readonly NameMatcher[]): (name: string) => boolean {
  const exact = new Set<string>()
  const others: ((name: string) => boolean)[] = []
  for (const m of matchers) {
    if (typeof m === 'string') exact.add(m.toLowerCase())
    else others.push(compileStringMatch({ ...m, ignore_case: true }))
  }
  return (name) => exact.has(name) || others.some((t) => t(name))
}

/**
 * The `ext_authz` filter. Answers locally when the service denies (its status, body and allowed headers; a problem
 * body `ERR_EXT_AUTHZ_DENIED` when it sent none), when the check fails and `failure_mode_allow` is false
 * (`status_on_error`, `ERR_EXT_AUTHZ_ERROR`), and with 413 when `with_request_body` is exceeded without
 * `allow_partial_message`. Denials and failures carry flag `UAEX`.
 * @example http_filters: [{ name: ext_authz, config: { url: 'https://authz.internal', timeout: 250ms } }]
 */
export const extAuthzFilter = defineFilter({
  name: 'ext_authz',
  status: 'alpha',
  description: 'Asks an HTTP authorization service to allow or deny each request (Envoy ext_authz)',
  configSchema: extAuthzConfig,
  errors: EXT_AUTHZ_ERRORS,
  stats: EXT_AUTHZ_STATS,
  create(config, ctx) {
    const plan: CheckPlan = {
      target: toTarget(config, ctx),
      pathPrefix: config.path_prefix,
      timeoutMs: config.timeout,
      sendHeader: compileNames(config.allowed_headers),
      headersToAdd: config.headers_to_add,
    }
    const toUpstream = compileNames(config.allowed_upstream_headers)
    const toClient = config.allowed_client_headers ? compileNames(config.allowed_client_headers) : () => true
    const withBody = config.with_request_body

    const done = (rc: RequestContext, state: ExtAuthzState) => {
      rc.stats.counter(`ext_authz.${state.outcome}`)
      rc.state.ext_authz = state
    }

    const failed = (rc: RequestContext, reason: string): Response | undefined => {
      rc.stats.counter('ext_authz.error')
      console.warn(JSON.stringify({ level: 'warn', msg: 'ext_authz: check failed', request_id: rc.requestId, reason }))
      if (config.failure_mode_allow) return void done(rc, { outcome: 'failure_mode_allowed', reason })
      rc.state.ext_authz = { outcome: 'error', reason } satisfies ExtAuthzState
      rc.flags.add(UAEX)
      return problem(
        {
          code: 'ERR_EXT_AUTHZ_ERROR',
          status: config.status_on_error,
          detail: 'the authorization service could not be consulted, so the request is refused.',
          requestId: rc.requestId,
        },
        EXT_AUTHZ_ERRORS
      )
    }

    return {
      onRequest: async function extAuthz(rc) {
        let body: Uint8Array | null = null
        let partial = false
        if (withBody && rc.body !== null && rc.method !== 'GET' && rc.method !== 'HEAD') {
          const declared = Number(rc.request.headers.get('content-length') ?? NaN)
          if (!withBody.allow_partial_message && declared > withBody.max_request_bytes) return tooLarge(rc, withBody.max_request_bytes)
          let buffered
          try {
            buffered = await bufferBody(rc.body, withBody.max_request_bytes)
          } catch {
            return problem({ code: 'ERR_BAD_REQUEST', detail: 'the request body could not be read.', requestId: rc.requestId })
          }
          rc.body = buffered.upstream
          if (buffered.partial && !withBody.allow_partial_message) return tooLarge(rc, withBody.max_request_bytes)
          body = buffered.bytes
          partial = buffered.partial
        }

        const startedAt = Date.now()
        const result = await check(plan, rc, body, partial)
        rc.stats.histogram('ext_authz.check_ms', Date.now() - startedAt)
        if (result.kind === 'error') return failed(rc, result.reason)
        if (result.kind === 'allow') {
          for (const [name, value] of result.headers) {
            if (toUpstream(name) && !NEVER_COPIED.has(name)) rc.headers.set(name, value)
          }
          return void done(rc, { outcome: 'ok' })
        }

        done(rc, { outcome: 'denied' })
        rc.flags.add(UAEX)
        if (result.body.byteLength === 0)
          return problem(
            { code: 'ERR_EXT_AUTHZ_DENIED', status: result.status, detail: 'the authorization service denied this request.', requestId: rc.requestId, headers: clientHeaders(result.headers, toClient) },
            EXT_AUTHZ_ERRORS
          )
        const headers = clientHeaders(result.headers, toClient)
        headers.set(FLAGS_HEADER, UAEX)
        headers.set(REQUEST_ID_HEADER, rc.requestId)
        return localResponse(result.body, { status: result.status, headers })
      },
    }
  },
})

/** Resolves the service at compile time; an unknown cluster fails the config version (it keeps the last good one). */
function toTarget(config: ExtAuthzConfig, ctx: FactoryContext): CheckTarget {
  if (config.url !== undefined) return { kind: 'url', origin: new URL(config.url).origin }
  if (config.service !== undefined) return { kind: 'service', binding: config.service }
  const cluster = ctx.clusters?.get(config.cluster!)
  if (!cluster) {
    const known = [...(ctx.clusters?.keys() ?? [])].join(', ') || 'none'
    throw new FilterConfigError(`ext_authz (${ctx.scope}): unknown cluster "${config.cluster}" (known: ${known})`, config, 'cluster')
  }
  return { kind: 'cluster', cluster }
}

/** The deny answer's headers for the client: allowed ones, never hop-by-hop, framing or Host. */
function clientHeaders(from: Headers, allowed: (name: string) => boolean): Headers {
  const out = new Headers()
  for (const [name, value] of toDownstreamHeaders(from)) {
    if (allowed(name) && !NEVER_COPIED.has(name)) out.append(name, value)
  }
  return out
}

function tooLarge(rc: RequestContext, limit: number): Response {
  return problem({
    code: 'ERR_BODY_TOO_LARGE',
    detail: `the request body is larger than the ${limit} bytes the authorization check accepts.`,
    requestId: rc.requestId,
  })
}
