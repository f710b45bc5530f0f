/** @module Bounded buffering of the request body for a check (then replayed upstream). */
import { readWithin, streamOf } from '../../http/body.ts'

/** A request body read up to a limit. */
export interface BufferedBody {
  /** What the check gets: the whole body, or its first `limit` bytes when `partial`. */
  bytes: Uint8Array
  /** The body was longer than the limit. */
  partial: boolean
  /** The complete body for the upstream: the buffered bytes, then (when partial) the rest of the stream. */
  upstream: ReadableStream<Uint8Array>
}

/**
 * Reads `body` until it ends or passes `limit` bytes (src/http/body.ts). Nothing is lost: `upstream` replays every
 * byte read, then continues the original stream. Read errors (the client went away) reject.
 */
export async function bufferBody(body: ReadableStream<Uint8Array>, limit: number): Promise<BufferedBody> {
  const read = await readWithin(body, limit)
  return read.kind === 'ok' ? { bytes: read.bytes, partial: false, upstream: streamOf(read.bytes) } : { bytes: read.head, partial: true, upstream: read.rest }
}
