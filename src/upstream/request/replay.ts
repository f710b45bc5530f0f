/**
 * @module Replayable request bodies. With a retry policy, a body of known length up to
 * `per_request_buffer_limit_bytes` is buffered once so every attempt can send it; a larger or unknown-length
 * body streams once and the request is not retried (`retry_or_shadow_abandoned`). Buffering counts as pending
 * (`max_pending_requests`).
 */
import type { RequestContext } from '../../context.ts'
import { problem } from '../../http/problem.ts'
import { overflowReply } from './admission.ts'
import type { ClusterRuntime } from '../isolate/cluster.ts'
import type { RetryPlan } from './retry.ts'

export interface UpstreamBody {
  body: BodyInit | null
  /** Every attempt can send it (no body, or a buffered one). */
  replayable: boolean
}

const DIGITS_RE = /^\d+$/

const NO_BODY: UpstreamBody = Object.freeze({ body: null, replayable: true })

/**
 * Prepares the body for the attempts, or answers locally (pending overflow, aborted upload). Synchronous unless
 * a body is buffered, so the common request (no body, or one that streams) costs no promise.
 */
export function replayableBody(
  rc: RequestContext,
  rt: ClusterRuntime,
  retry: RetryPlan | undefined,
  signal: AbortSignal
): UpstreamBody | Response | Promise<UpstreamBody | Response> {
  const hasBody = rc.body !== null && rc.method !== 'GET' && rc.method !== 'HEAD'
  if (!hasBody) return NO_BODY
  if (!retry || retry.numRetries === 0 || !retry.requestAllowed(rc.method, rc.headers)) return { body: rc.body, replayable: false }
  // The runtime holds a body to its declared length; content-length is not forwarded (the runtime frames it).
  const declared = rc.request.headers.get('content-length')
  if (declared === null || !DIGITS_RE.test(declared) || Number(declared) > retry.bufferLimit) {
    rc.stats.counter(rt.stat.of('retry_or_shadow_abandoned'))
    rt.state.count('retry_or_shadow_abandoned')
    return { body: rc.body, replayable: false }
  }
  if (rt.state.rqPending >= rt.limits.max_pending_requests) return overflowReply(rc, rt, 'max_pending_requests')
  return buffer(rc, rt, signal)
}

/** Reads the whole body (known length, within the limit), counting as pending while it does. */
async function buffer(rc: RequestContext, rt: ClusterRuntime, signal: AbortSignal): Promise<UpstreamBody | Response> {
  const st = rt.state
  st.rqPending++
  try {
    // A filter may abort the exchange while the body is read (body_limit): stop waiting then.
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal.aborted) resolve('aborted')
      signal.addEventListener('abort', () => resolve('aborted'), { once: true })
    })
    const read = await Promise.race([new Response(rc.body).arrayBuffer(), aborted])
    if (read === 'aborted') return problem({ code: 'ERR_BAD_REQUEST', detail: 'the request was aborted while its body was read.', requestId: rc.requestId })
    return { body: read, replayable: true }
  } catch (err) {
    return problem({
      code: 'ERR_BAD_REQUEST',
      detail: `the request body could not be read (${(err as Error)?.message ?? 'upload aborted'}).`,
      requestId: rc.requestId,
    })
  } finally {
    st.rqPending--
  }
}
