/** @module The one place a response is made mutable, for the pipeline and the filter test kit alike. */

/**
 * A Response a filter hands back (a local reply, a replacement) may be a fetched one, whose headers are
 * immutable. The pipeline copies it once here (the body stream is shared, never read), so every response phase
 * after it, the response flags and the observer may set headers. The action's own responses (forward, redirect,
 * direct) are built mutable and never pass through here.
 */
export function ownedResponse(r: Response): Response {
  return r.status === 101 ? new Response(null, { status: 101, webSocket: r.webSocket, headers: r.headers }) : new Response(r.body, r)
}
