/** @module body_limit filter: 413 for request bodies over a limit, by Content-Length or by counting the stream. */
import { problem } from '../../http/problem.ts'
import { defineFilter, type RequestContext } from '../types.ts'
import { BODY_LIMIT_STATS, bodyLimitConfig } from './config.ts'

/** What happened to one request, in `rc.state.body_limit`. */
export interface BodyLimitState {
  /** Bytes counted so far (streamed bodies only). */
  bytes: number
  /** The limit was passed (`rq_too_large`). */
  exceeded: boolean
}

declare module '../../context.ts' {
  interface FilterStateMap {
    body_limit: BodyLimitState
  }
}

/** The reason the upstream exchange is aborted with when the streamed count passes the limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`)
  }
}

const DIGITS_RE = /^\d+$/

function tooLarge(rc: RequestContext, limit: number): Response {
  rc.stats.counter('body_limit.rq_too_large')
  return problem({
    code: 'ERR_BODY_TOO_LARGE',
    detail: `The request body is larger than this route accepts (${limit} bytes)`,
    requestId: rc.requestId,
  })
}

/** Counts a streamed body; past the limit, stalls it and aborts the upstream exchange if it can. */
function countingStream(rc: RequestContext, limit: number, state: BodyLimitState) {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      state.bytes += chunk.byteLength
      if (state.bytes <= limit) return controller.enqueue(chunk)
      state.exceeded = true
      // Never error the stream: workerd would end the upload cleanly, handing the upstream a truncated body as if
      // complete (workerd#5114). Stall it and abort the exchange instead: the upstream sees a reset.
      rc.abortUpstream(new BodyTooLargeError(limit))
      return new Promise<void>(() => {})
    },
  })
}

/**
 * The `body_limit` filter. Answers locally (413) when `Content-Length` is over the limit, without reading the
 * body. Otherwise a body is streamed through a counter; past the limit the upstream exchange is aborted
 * (`rc.abortUpstream`), and the response phase replaces whatever the pipeline produced (an upstream-failure problem) with the 413. Never buffers.
 * If the upstream answers before reading the whole body, its answer stands (the limit was not passed yet).
 * @example http_filters: [{ name: body_limit, config: { max_request_bytes: 1048576 } }]
 */
export const bodyLimitFilter = defineFilter({
  name: 'body_limit',
  status: 'stable',
  description: 'Rejects request bodies over a size limit with 413, streaming (Envoy buffer max_request_bytes)',
  configSchema: bodyLimitConfig,
  stats: BODY_LIMIT_STATS,
  create(config) {
    const limit = config.max_request_bytes
    return {
      onRequest: function bodyLimit(rc) {
        const declared = rc.request.headers.get('content-length')
        if (declared !== null && DIGITS_RE.test(declared)) {
          if (Number(declared) > limit) {
            rc.state.body_limit = { bytes: 0, exceeded: true } satisfies BodyLimitState
            return tooLarge(rc, limit)
          }
          // The runtime holds a body to its declared length; count only if a filter replaced it.
          if (rc.body === rc.request.body) return
        }
        if (rc.body === null) return
        const state: BodyLimitState = { bytes: 0, exceeded: false }
        rc.state.body_limit = state
        rc.body = rc.body.pipeThrough(countingStream(rc, limit, state))
      },
      onResponse: function bodyLimitResponse(rc, response) {
        const state = rc.state.body_limit
        if (!state?.exceeded) return
        response.body?.cancel().catch(() => {})
        return tooLarge(rc, limit)
      },
    }
  },
})
