/**
 * @module Local replies for exchanges that produced no upstream response: no healthy endpoint (503 UH), a reset
 * or refused connection (503 UF), a timeout (504 UT), a downstream abort. When retries ran out on such a failure
 * the flags say so too (URX), as Envoy does; when they ran out on a response, that response is returned as is.
 */
import type { RequestContext } from '../../context.ts'
import { problem } from '../../http/problem.ts'
import { type ClusterRuntime, endpointLabel } from '../isolate/cluster.ts'
import type { ExchangeEnd } from './exchange.ts'

export function failureReply(rc: RequestContext, rt: ClusterRuntime, end: Exclude<ExchangeEnd, { kind: 'response' }>, timeoutMs: number): Response {
  const requestId = rc.requestId
  if (end.kind === 'local') return end.response
  if (end.kind === 'no_healthy') {
    rc.stats.counter(rt.stat.of('upstream_cx_none_healthy'))
    return problem({
      code: 'ERR_NO_HEALTHY_UPSTREAM',
      detail: `cluster "${rt.name}" has no healthy endpoint (active health checks or outlier detection took all ${rt.endpoints.length} out, and panic mode is off).`,
      requestId,
    })
  }
  const { end: e, attempts, limitExceeded } = end
  const where = `cluster "${rt.name}", ${endpointLabel(e.attempt.endpoint)}`
  const tries = attempts > 1 ? ` after ${attempts} attempts` : ''
  switch (e.cause) {
    case 'downstream':
    case 'cancelled':
      return problem({
        code: 'ERR_BAD_REQUEST',
        detail: `the request was aborted while being forwarded: ${(e.message || 'by a filter').replace(/\.$/, '')}.`,
        requestId,
      })
    case 'protocol':
      return problem({ code: 'ERR_UPSTREAM_PROTOCOL', detail: `${where}: ${e.message}${tries}.`, requestId, ...(limitExceeded ? { flag: 'UPE,URX' } : {}) })
    case 'route_timeout':
      return problem({ code: 'ERR_UPSTREAM_TIMEOUT', detail: `cluster "${rt.name}" did not answer within the route timeout of ${timeoutMs} ms${tries}.`, requestId })
    case 'per_try_timeout':
      return problem({
        code: 'ERR_UPSTREAM_TIMEOUT',
        detail: `${where} did not answer within the per-try timeout${tries}.`,
        requestId,
        ...(limitExceeded ? { flag: 'UT,URX' } : {}),
      })
    default:
      if (limitExceeded)
        return problem({
          code: 'ERR_RETRY_LIMIT',
          detail: `${where}: connection failed or was reset before a response${tries}; no retries left (${e.message}).`,
          requestId,
          flag: 'UF,URX',
        })
      return problem({
        code: 'ERR_UPSTREAM_CONNECT',
        detail: `${where}: connection to ${endpointLabel(e.attempt.endpoint)} failed or was reset before a response (${e.message}).`,
        requestId,
      })
  }
}
