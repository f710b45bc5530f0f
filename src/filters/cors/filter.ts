/** @module cors filter: answers preflights locally and adds CORS headers to actual responses (Envoy cors). */
import { problem } from '../../http/problem.ts'
import { localResponse } from '../../http/owned-response.ts'
import { compileStringMatch } from '../../router/matchers.ts'
import { defineFilter } from '../types.ts'
import { CORS_ERRORS, CORS_STATS, corsConfig } from './config.ts'

/** What the request phase decided, in `rc.state.cors`; absent when the request had no `Origin`. */
export interface CorsState {
  origin: string
  /** The origin matched `allow_origin_string_match` (Envoy stat `origin_valid`, else `origin_invalid`). */
  allowed: boolean
  preflight: boolean
}

declare module '../../context.ts' {
  interface FilterStateMap {
    cors: CorsState
  }
}

const normalizeList = (list: string | undefined) =>
  list === undefined ? undefined : list.split(',').map((s) => s.trim()).join(', ')

/** Adds `token` to `Vary` unless it, or `*`, is already listed. */
function addVary(headers: Headers, token: string) {
  const current = headers.get('vary')
  if (!current) return headers.set('vary', token)
  const want = token.toLowerCase()
  for (const t of current.split(',')) {
    const v = t.trim().toLowerCase()
    if (v === '*' || v === want) return
  }
  headers.append('vary', token)
}

/**
 * The `cors` filter. Answers locally: a preflight from an allowed origin (200, no body) and, with
 * `forward_not_matching_preflights: false`, a preflight from any other origin (403 `ERR_CORS_FORBIDDEN`).
 * @example http_filters: [{ name: cors, config: { allow_origin_string_match: [{ exact: 'https://app.example' }] } }]
 */
export const corsFilter = defineFilter({
  name: 'cors',
  status: 'stable',
  description: 'CORS: answers preflights, adds access-control-* headers to responses (Envoy CorsPolicy)',
  configSchema: corsConfig,
  errors: CORS_ERRORS,
  stats: CORS_STATS,
  create(config) {
    const matchers = config.allow_origin_string_match.map((m) => compileStringMatch(m))
    // Envoy: a matcher that matches "*" allows every origin.
    const anyOrigin = matchers.some((m) => m('*'))
    const isAllowed = (origin: string) => anyOrigin || matchers.some((m) => m(origin))
    const credentials = config.allow_credentials
    const star = !credentials && config.allow_origin_string_match.some((m) => m.exact === '*')
    const allowOrigin = (origin: string) => (star ? '*' : origin)
    const allowMethods = normalizeList(config.allow_methods)
    const allowHeaders = normalizeList(config.allow_headers)
    const echoMethod = allowMethods === '*'
    const echoHeaders = allowHeaders === undefined || allowHeaders === '*'
    const exposeHeaders = normalizeList(config.expose_headers)
    const maxAge = config.max_age
    const pna = config.allow_private_network_access
    const forwardNotMatching = config.forward_not_matching_preflights
    const preflightVary = ['Origin']
    if (echoMethod) preflightVary.push('Access-Control-Request-Method')
    if (echoHeaders) preflightVary.push('Access-Control-Request-Headers')
    const preflightVaryValue = preflightVary.join(', ')

    function preflight(origin: string, req: Headers): Response {
      const h = new Headers()
      h.set('access-control-allow-origin', allowOrigin(origin))
      if (credentials) h.set('access-control-allow-credentials', 'true')
      const methods = echoMethod ? req.get('access-control-request-method') : allowMethods
      if (methods) h.set('access-control-allow-methods', methods)
      const headers = echoHeaders ? req.get('access-control-request-headers') : allowHeaders
      if (headers) h.set('access-control-allow-headers', headers)
      if (maxAge !== undefined) h.set('access-control-max-age', maxAge)
      if (pna && req.get('access-control-request-private-network') === 'true')
        h.set('access-control-allow-private-network', 'true')
      h.set('vary', preflightVaryValue)
      h.set('content-length', '0')
      return localResponse(null, { status: 200, headers: h })
    }

    return {
      onRequest: function cors(rc) {
        const req = rc.request.headers
        const origin = req.get('origin')
        if (!origin) return
        const allowed = isAllowed(origin)
        rc.stats.counter(allowed ? 'cors.origin_valid' : 'cors.origin_invalid')
        const isPreflight = rc.method === 'OPTIONS' && !!req.get('access-control-request-method')
        rc.state.cors = { origin, allowed, preflight: isPreflight } satisfies CorsState
        if (!isPreflight) return
        if (allowed) return preflight(origin, req)
        if (forwardNotMatching) return
        return problem(
          { code: 'ERR_CORS_FORBIDDEN', detail: "The request's Origin is not allowed by this route's CORS policy", requestId: rc.requestId },
          CORS_ERRORS
        )
      },
      onResponse: function corsResponse(rc, response) {
        const headers = response.headers
        addVary(headers, 'Origin')
        const state = rc.state.cors
        if (!state?.allowed) return
        headers.set('access-control-allow-origin', allowOrigin(state.origin))
        if (credentials) headers.set('access-control-allow-credentials', 'true')
        if (exposeHeaders !== undefined) headers.set('access-control-expose-headers', exposeHeaders)
      },
    }
  },
})
