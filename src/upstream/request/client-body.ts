/**
 * @module The client's request body on its way upstream, watched. workerd reports a body that fails on the client's
 * side (a truncated upload, a client gone mid-body) exactly as an upstream reset, and may end a chunked upstream
 * body cleanly, so the upstream answers a partial request. Piping the body through a native stream we hold tells
 * the two apart: when the pipe fails, an errored source is the client's fault, anything else the upstream side's.
 */

export interface WatchedBody {
  /** What to send upstream in place of the client's body. */
  body: ReadableStream<Uint8Array>
  /** True once the client's side is known to have failed. */
  readonly failed: boolean
  /** Settles when the pipe ends: true when the client's side failed, false otherwise. */
  readonly settled: Promise<boolean>
}

const DIGITS_RE = /^\d{1,15}$/

/**
 * Whether the request's body is worth watching: one that came over HTTP, framed by Content-Length or chunked
 * Transfer-Encoding. A body without either (built in a Worker, a service binding) keeps its direct path.
 */
export function isFramedBody(headers: Headers): boolean {
  return headers.has('content-length') || headers.has('transfer-encoding')
}

/**
 * Pipes `source` into a native stream (workerd pumps native to native without JavaScript per chunk): a
 * `FixedLengthStream` when the body is framed by a length alone, so the upstream still receives Content-Length,
 * else an `IdentityTransformStream` (chunked, as the body alone would be).
 * @param headers The request's headers (Content-Length, Transfer-Encoding).
 */
export function watchClientBody(source: ReadableStream<Uint8Array>, headers: Headers): WatchedBody {
  const length = headers.get('content-length')
  const fixed = length !== null && DIGITS_RE.test(length) && !headers.has('transfer-encoding')
  const through = fixed ? new FixedLengthStream(Number(length)) : new IdentityTransformStream()
  const watched = { body: through.readable, failed: false, settled: undefined as unknown as Promise<boolean> }
  // preventCancel: when the upstream side fails, the source stays readable, so its state tells whose fault it was.
  watched.settled = source.pipeTo(through.writable, { preventCancel: true }).then(
    () => false,
    async () => {
      const reader = source.getReader()
      // An errored source rejects `closed` at once; an open or finished one does not within a turn.
      const errored = await Promise.race([reader.closed.then(() => false, () => true), new Promise<boolean>((r) => setTimeout(r, 0, false))])
      void reader.cancel().catch(() => {})
      watched.failed = errored
      return errored
    }
  )
  return watched
}
