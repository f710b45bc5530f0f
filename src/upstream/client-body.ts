/**
 * @module The client's request body on its way upstream, watched. workerd reports a body that fails on the client's
 * side (a truncated upload, a client gone mid-body) exactly as an upstream reset, and may even end a chunked
 * upstream body cleanly, so the upstream answers a partial request. Pumping the body through our own reader tells
 * the two apart: a failed read is the client's, a failed write the upstream's.
 */

export interface WatchedBody {
  /** What to send upstream in place of the client's body. */
  body: ReadableStream<Uint8Array>
  /** True once a read from the client's body failed (or it ended short of its Content-Length). */
  readonly failed: boolean
  /** Settles when the pump ends: true when the client's side failed, false otherwise. */
  readonly settled: Promise<boolean>
}

const DIGITS_RE = /^\d{1,15}$/

/**
 * Whether the request's body is worth watching: one that came over HTTP, framed by Content-Length or chunked
 * Transfer-Encoding. A body without either (built in a Worker, a service binding) keeps its native path.
 */
export function isFramedBody(headers: Headers): boolean {
  return headers.has('content-length') || headers.has('transfer-encoding')
}

/**
 * Pumps `source` into a native stream: a `FixedLengthStream` when `declaredLength` is a length, so the upstream
 * still receives `Content-Length`, else an `IdentityTransformStream` (chunked, as the body alone would be).
 * @param declaredLength The request's `Content-Length` header.
 */
export function watchClientBody(source: ReadableStream<Uint8Array>, declaredLength: string | null): WatchedBody {
  const declared = declaredLength !== null && DIGITS_RE.test(declaredLength) ? Number(declaredLength) : undefined
  const through = declared !== undefined ? new FixedLengthStream(declared) : new IdentityTransformStream()
  let sent = 0
  const watched = { body: through.readable, failed: false, settled: undefined as unknown as Promise<boolean> }
  const reader = source.getReader()
  const writer = through.writable.getWriter()
  // Failures are read from the pump below; these would otherwise surface as unhandled rejections.
  reader.closed.catch(() => {})
  writer.closed.catch(() => {})
  watched.settled = (async () => {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (e) {
        watched.failed = true
        void writer.abort(e).catch(() => {})
        return true
      }
      try {
        if (chunk.done) {
          await writer.close()
          return false
        }
        sent += chunk.value.byteLength
        await writer.write(chunk.value)
      } catch (e) {
        // A body shorter or longer than its Content-Length (workerd reads chunked framing when both are sent) is the
        // client's fault; any other write failure is the upstream side that stopped reading (reset, timeout, an
        // answer before the body).
        void reader.cancel(e).catch(() => {})
        if (declared !== undefined && (sent > declared || (chunk.done && sent < declared))) watched.failed = true
        return watched.failed
      }
    }
  })()
  return watched
}
