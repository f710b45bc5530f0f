/** @module Bounded buffering: the request body for a check (then replayed upstream), and a capped response body. */

/** A request body read up to a limit. */
export interface BufferedBody {
  /** What the check gets: the whole body, or its first `limit` bytes when `partial`. */
  bytes: Uint8Array
  /** The body was longer than the limit. */
  partial: boolean
  /** The complete body for the upstream: the buffered bytes, then (when partial) the rest of the stream. */
  upstream: ReadableStream<Uint8Array>
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/**
 * Reads `body` until it ends or passes `limit` bytes. Nothing is lost: `upstream` replays every byte read, then
 * continues the original stream. Read errors (the client went away) reject.
 */
export async function bufferBody(body: ReadableStream<Uint8Array>, limit: number): Promise<BufferedBody> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    total += value.byteLength
    if (total > limit) break
  }
  const all = concat(chunks, total)
  if (total <= limit) {
    reader.releaseLock()
    return { bytes: all, partial: false, upstream: new Response(all).body! }
  }
  let replayed = false
  const upstream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!replayed) {
        replayed = true
        return controller.enqueue(all)
      }
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
  return { bytes: all.subarray(0, limit), partial: true, upstream }
}

/** Reads a response body of at most `max` bytes; undefined when it is longer (the rest is cancelled). */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return concat(chunks, total)
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
}
