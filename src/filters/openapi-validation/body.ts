/** @module Reading a request body within a limit for validation, and handing the same bytes on upstream. */

export type BodyRead =
  | { kind: 'ok'; bytes: Uint8Array }
  /** Over the limit: `rest` is the whole body again (what was read, then the unread part), to forward. */
  | { kind: 'too_large'; rest: ReadableStream<Uint8Array> }

/**
 * Reads `body` up to `limit` bytes. With a `declared` Content-Length within the limit, in one native read (the
 * runtime holds a body to its declared length); otherwise chunk by chunk, counting.
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
    if (size > limit) return { kind: 'too_large', rest: replay(chunks, reader) }
  }
  if (chunks.length === 1) return { kind: 'ok', bytes: chunks[0]! }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    bytes.set(c, at)
    at += c.byteLength
  }
  return { kind: 'ok', bytes }
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
