import { describe, expect, inject, it } from 'vitest'
import { type BodyLimitState, bodyLimitFilter } from '../../../src/filters/body-limit/index.ts'
import type { RequestContext } from '../../../src/filters/types.ts'
import { problem } from '../../../src/http/problem.ts'
import { build, expectProblem, makeContext, run, type Upstream } from '../_context.ts'

const enc = new TextEncoder()

/** A body with no Content-Length: the given chunks, then close. */
function chunked(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c))
      controller.close()
    },
  })
}

/** Like the pipeline's forward(): a failed upstream fetch becomes a 503 problem. */
const consuming: Upstream = async (rc) => {
  try {
    const text = await new Response(rc.body).text()
    return new Response(`got ${text.length}`)
  } catch {
    return problem({ code: 'ERR_UPSTREAM_CONNECT', detail: 'body stream failed', requestId: rc.requestId })
  }
}

/** A real fetch to the echo server on 127.0.0.1, streaming rc.body. */
const echoUpstream: Upstream = async (rc) => {
  try {
    return await fetch(`${inject('upstreams').echo[0]}/upload`, { method: 'POST', body: rc.body })
  } catch {
    return problem({ code: 'ERR_UPSTREAM_CONNECT', detail: 'upstream fetch failed', requestId: rc.requestId })
  }
}

const post = (body: BodyInit, headers: Record<string, string> = {}) => makeContext({ method: 'POST', body, headers })
const state = (rc: RequestContext) => rc.state.body_limit as BodyLimitState | undefined

describe('body_limit with Content-Length', () => {
  it('answers 413 at once when Content-Length is over the limit, without reading the body', async () => {
    const rc = post('0123456789a', { 'content-length': '11' })
    const { response, local } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc)
    expect(local).toBe(true)
    await expectProblem(response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(rc.request.bodyUsed).toBe(false)
    expect(state(rc)?.exceeded).toBe(true)
  })

  it('lets a body at the limit through untouched (no counting stream)', async () => {
    const rc = post('0123456789', { 'content-length': '10' })
    const original = rc.body
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming)
    expect(rc.body).toBe(original)
    expect(await response.text()).toBe('got 10')
  })

  it('passes requests without a body', async () => {
    const rc = makeContext()
    const { local } = await run(build(bodyLimitFilter, { max_request_bytes: 1 }), rc)
    expect(local).toBe(false)
    expect(state(rc)).toBeUndefined()
  })
})

describe('body_limit on a streamed body (no Content-Length)', () => {
  it('counts the stream and lets a body within the limit through', async () => {
    const rc = post(chunked('abc', 'defg', 'hij'))
    expect(rc.request.headers.has('content-length')).toBe(false)
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming)
    expect(await response.text()).toBe('got 10')
    expect(state(rc)).toEqual({ bytes: 10, exceeded: false })
  })

  it('errors the stream past the limit and replaces the upstream failure with a 413', async () => {
    const rc = post(chunked('abc', 'defg', 'hijk'))
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming)
    await expectProblem(response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(state(rc)).toEqual({ bytes: 11, exceeded: true })
  })

  it('streams chunks on as they arrive, never buffering', async () => {
    let source!: ReadableStreamDefaultController<Uint8Array>
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (source = c) })
    const rc = post(body)
    await build(bodyLimitFilter, { max_request_bytes: 100 }).onRequest!(rc)
    const reader = rc.body!.getReader()
    source.enqueue(enc.encode('first'))
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('first')
    source.close()
    expect((await reader.read()).done).toBe(true)
  })

  it('works with a real upstream: a body within the limit arrives whole', async () => {
    const rc = post(chunked('x'.repeat(1000), 'y'.repeat(1000)))
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 4096 }), rc, echoUpstream)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { bodyBytes: number }).bodyBytes).toBe(2000)
  })

  it('works with a real upstream: a body over the limit ends as a 413', async () => {
    const rc = post(chunked('x'.repeat(1000), 'y'.repeat(1000), 'z'.repeat(1000)))
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 1500 }), rc, echoUpstream)
    await expectProblem(response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(state(rc)?.exceeded).toBe(true)
  })

  it('counts a body that an earlier filter replaced, even when Content-Length was small', async () => {
    const rc = post('tiny', { 'content-length': '4' })
    rc.body = chunked('much larger body')
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 8 }), rc, consuming)
    expect(response.status).toBe(413)
  })
})
