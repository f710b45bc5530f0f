import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, simpleConfig, upstreams } from '../support/gateway.ts'

const MB = 1024 * 1024
const CHUNK = 64 * 1024

/** A pull-based body of `total` bytes; `pulled()` tells how much the consumer has asked for so far. */
function source(total: number) {
  let sent = 0
  const chunk = new Uint8Array(CHUNK).map((_, i) => i % 251)
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close()
      const n = Math.min(CHUNK, total - sent)
      sent += n
      controller.enqueue(n === CHUNK ? chunk.slice() : chunk.slice(0, n))
    },
  })
  return { stream, pulled: () => sent, chunk }
}

async function sha256Of(total: number, chunk: Uint8Array) {
  const digest = new crypto.DigestStream('SHA-256')
  const writer = digest.getWriter()
  for (let sent = 0; sent < total; sent += CHUNK) await writer.write(chunk.slice(0, Math.min(CHUNK, total - sent)))
  await writer.close()
  return [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

describe('bodies stream through', () => {
  it('uploads 100 MB without a Content-Length, intact', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    const { stream, chunk } = source(100 * MB)
    const res = await makeGateway().fetch('/upload', { method: 'POST', body: stream })
    const e = await echoOf(res)
    expect(e.bodyBytes).toBe(100 * MB)
    expect(e.bodySha256).toBe(await sha256Of(100 * MB, chunk))
    expect(e.headers['transfer-encoding']).toBe('chunked')
  })

  it('does not buffer: the upstream answers while the rest of the body is still held back by the client', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    // The client sends 1 MB, then produces nothing more until it has the response. A gateway that buffered the
    // body before forwarding would never get an answer, and this test would time out.
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= MB) await gate
        if (sent >= 2 * MB) return controller.close()
        sent += CHUNK
        controller.enqueue(new Uint8Array(CHUNK))
      },
    })
    const res = await makeGateway().fetch('/early', { method: 'POST', body, headers: { 'x-upstream-behavior': 'respond-early' } })
    expect(sent).toBeLessThanOrEqual(MB + CHUNK)
    release()
    expect(await res.text()).toBe('early')
  })

  it('downloads 100 MB from the upstream', async () => {
    await publish(simpleConfig([upstreams().echo[0]]))
    const res = await makeGateway().fetch('/download', { headers: { 'x-upstream-behavior': `bytes=${100 * MB}` } })
    expect(res.headers.get('content-length')).toBe(String(100 * MB))
    let n = 0
    for await (const c of res.body!) n += c.byteLength
    expect(n).toBe(100 * MB)
  })

  it('passes WebSocket upgrades through and relays messages both ways', async () => {
    await publish(simpleConfig([upstreams().echo[1]]))
    const res = await makeGateway().fetch('/ws/chat', { headers: { upgrade: 'websocket', connection: 'Upgrade' } })
    expect(res.status).toBe(101)
    const ws = res.webSocket!
    const messages: string[] = []
    const done = new Promise<void>((resolve) => {
      ws.addEventListener('message', (m) => {
        messages.push(String(m.data))
        if (messages.length === 2) resolve()
      })
    })
    ws.accept()
    ws.send('ping')
    await done
    expect(messages).toEqual(['hello from echo-b /ws/chat', 'echo:ping'])
    ws.close()
  })
})
