/**
 * @module Reading a request body within a limit without losing any of it: the filters that inspect a body
 * (ext_authz sends it to the check, openapi_validation validates it) read it here and hand the same bytes on
 * upstream. Nothing is read past the first chunk over the limit.
 */

export type BodyRead =
  | { kind: 'ok'; bytes: Uint8Array }
  /** Over the limit: `head` is its first `limit` bytes; `rest` is the whole body again (what was read, then the unread part). */
  | { kind: 'too_large'; head: Uint8Array; rest: ReadableStream<Uint8Array> }

/** The chunks as one array (no copy for a single chunk). */
export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/**
 * Reads `body` up to `limit` bytes. With a `declared` Content-Length within the limit, in one native read (the
 * runtime holds a body to its declared length); otherwise chunk by chunk, counting. Read errors (the client went
 * away) reject.
 */
export async function readWithin(body: ReadableStream<Uint8Array>, limit: number, declared?: number): Promise<BodyRead> {
  if (declared !== undefined && declared <= limit) return { kind: 'ok', bytes: new Uint8Array(await new Response(body).arrayBuffer()) }
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size > limit) return { kind: 'too_large', head: concat(chunks, size).subarray(0, limit), rest: replay(chunks, reader) }
  }
  reader.releaseLock()
  return { kind: 'ok', bytes: concat(chunks, size) }
}

/** The chunks already read, then the rest of the reader. */
function replay(chunks: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i < chunks.length) return controller.enqueue(chunks[i++]!)
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
}

/** A stream of `bytes` for the upstream: the runtime's own (fixed length, not a JavaScript stream to pump). */
export const streamOf = (bytes: Uint8Array): ReadableStream<Uint8Array> => new Response(bytes).body ?? new Response('').body!

/** Reads a (response) body of at most `max` bytes; undefined when it is longer (the rest is cancelled). */
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
