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

/**
 * Like the pipeline's forward(): reads the body under a route timeout, installing `rc.abortUpstream` when asked;
 * failures become problem replies.
 */
function consuming(timeoutMs = 50, aborts?: unknown[]): Upstream {
  return async (rc) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const aborted = new Promise<never>((_, reject) => {
      if (aborts) Object.assign(rc, { abortUpstream: (reason: unknown) => (aborts.push(reason), reject(reason)) })
    })
    try {
      const text = await Promise.race([new Response(rc.body).text(), timeout, aborted])
      if (text === 'timeout') return problem({ code: 'ERR_UPSTREAM_TIMEOUT', detail: 'timeout', requestId: rc.requestId })
      return new Response(`got ${text.length}`)
    } catch {
      return problem({ code: 'ERR_UPSTREAM_CONNECT', detail: 'body stream failed', requestId: rc.requestId })
    } finally {
      clearTimeout(timer)
    }
  }
}

/** What the real upstream exchange ended as: a response, or a failed (reset/aborted) fetch. */
type Outcome = { status: number; bodyBytes?: number } | { failed: string }

/**
 * A real fetch to the echo server on 127.0.0.1 streaming rc.body, aborted by `rc.abortUpstream` when the test
 * installs it, or by a 100 ms route timeout.
 */
function echoUpstream(outcome: Outcome[], withAbortHook: boolean): Upstream {
  return async (rc) => {
    const ac = new AbortController()
    if (withAbortHook) Object.assign(rc, { abortUpstream: (reason: unknown) => ac.abort(reason) })
    const timer = setTimeout(() => ac.abort(new Error('route timeout')), 100)
    try {
      const res = await fetch(`${inject('upstreams').echo[0]}/upload`, { method: 'POST', body: rc.body, signal: ac.signal })
      const json = (await res.clone().json()) as { bodyBytes: number }
      outcome.push({ status: res.status, bodyBytes: json.bodyBytes })
      return res
    } catch (e) {
      outcome.push({ failed: String(e) })
      return problem({ code: 'ERR_UPSTREAM_CONNECT', detail: 'upstream fetch failed', requestId: rc.requestId })
    } finally {
      clearTimeout(timer)
    }
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
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming())
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
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming())
    expect(await response.text()).toBe('got 10')
    expect(state(rc)).toEqual({ bytes: 10, exceeded: false })
  })

  it('stalls the stream past the limit (no abort hook) and replaces the upstream timeout with a 413', async () => {
    const rc = post(chunked('abc', 'defg', 'hijk'))
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming(20))
    await expectProblem(response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(state(rc)).toEqual({ bytes: 11, exceeded: true })
  })

  it('aborts the upstream through rc.abortUpstream at once when the pipeline offers it', async () => {
    const rc = post(chunked('abc', 'defg', 'hijk'))
    const reasons: unknown[] = []
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 10 }), rc, consuming(5000, reasons))
    await expectProblem(response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(reasons).toEqual([expect.objectContaining({ name: 'BodyTooLargeError', limit: 10 })])
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
    const outcome: Outcome[] = []
    const rc = post(chunked('x'.repeat(1000), 'y'.repeat(1000)))
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 4096 }), rc, echoUpstream(outcome, true))
    expect(response.status).toBe(200)
    expect(outcome).toEqual([{ status: 200, bodyBytes: 2000 }])
  })

  // workerd#5114: an upload whose body stream errors ends cleanly, so the upstream would get a truncated body as
  // if complete. The filter must never let that happen: the upstream exchange fails instead of answering.
  it.each([
    ['aborting through rc.abortUpstream', true],
    ['stalling until the route timeout', false],
  ])('with a real upstream, never delivers a truncated body as complete (%s)', async (_, hook) => {
    const outcome: Outcome[] = []
    const rc = post(chunked('x'.repeat(1000), 'y'.repeat(1000), 'z'.repeat(1000)))
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 1500 }), rc, echoUpstream(outcome, hook))
    await expectProblem(response, { status: 413, code: 'ERR_BODY_TOO_LARGE' })
    expect(outcome).toEqual([{ failed: expect.any(String) }])
  })

  it('counts a body that an earlier filter replaced, even when Content-Length was small', async () => {
    const rc = post('tiny', { 'content-length': '4' })
    rc.body = chunked('much larger body')
    const { response } = await run(build(bodyLimitFilter, { max_request_bytes: 8 }), rc, consuming())
    expect(response.status).toBe(413)
  })
})
