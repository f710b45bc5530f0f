/**
 * @module Request mirroring (Envoy request_mirror_policies): a copy of the forwarded request goes to each mirror
 * cluster in the background (`waitUntil`), with the host suffixed `-shadow`. Its response is discarded and its
 * outcome counted under the mirror cluster (`cluster.<c>.shadow_rq_*`); the primary response never waits for it.
 * A body is copied only when its declared length is within the policy's buffer limit: the primary keeps
 * streaming its branch of a tee while the mirror buffers the other; a larger or unknown-length body is not
 * mirrored (`retry_or_shadow_abandoned`).
 */
import type { RequestContext } from '../../context.ts'
import type { ClusterRuntime } from '../isolate/cluster.ts'

export interface MirrorPlan {
  cluster: ClusterRuntime
  /** 0 to 100. */
  fraction: number
  hostSuffix: boolean
  bufferLimit: number
}

/** Envoy's shadow host: `-shadow` before the port (`api.example.com:8443` ⇒ `api.example.com-shadow:8443`). */
export function shadowHost(host: string): string {
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':')
  const cut = end <= 0 ? host.length : end
  return `${host.slice(0, cut)}-shadow${host.slice(cut)}`
}

/** Whether this request is mirrored under `fraction` (0–100), given a uniform draw in [0, 1). */
export const sampled = (fraction: number, draw: number) => fraction >= 100 || draw * 100 < fraction

const DIGITS_RE = /^\d{1,15}$/

export interface MirrorInput {
  /** The upstream path (after the route's rewrite). */
  path: string
  hostRewrite?: string
  timeoutMs: number
  random: () => number
}

/**
 * Starts the request's mirrors and returns the body the primary must send now: `body` itself, or one branch of
 * a tee when a streamed body is copied (workerd keeps the branch's length, so Content-Length framing stays).
 * Never throws, never awaits.
 */
export function startMirrors(
  rc: RequestContext,
  mirrors: readonly MirrorPlan[],
  input: MirrorInput,
  body: BodyInit | null
): BodyInit | null {
  if (rc.headers.has('upgrade') || rc.method === 'CONNECT') return body
  const chosen = mirrors.filter((m) => m.fraction >= 100 || sampled(m.fraction, input.random()))
  if (!chosen.length) return body
  let copy: Promise<ArrayBuffer | null> | ArrayBuffer | null = null
  let primary = body
  if (body instanceof ReadableStream) {
    const declared = rc.request.headers.get('content-length')
    const length = declared !== null && DIGITS_RE.test(declared) ? Number(declared) : Infinity
    const within = chosen.filter((m) => {
      if (length <= m.bufferLimit) return true
      rc.stats.counter(m.cluster.stat.of('retry_or_shadow_abandoned'))
      return false
    })
    if (!within.length) return body
    chosen.splice(0, chosen.length, ...within)
    const [a, b] = body.tee()
    primary = a
    copy = readAll(b, length)
  } else if (body !== null) copy = body as ArrayBuffer
  // fetch() is called before this returns for a request without a body, so the headers are read as they are now.
  for (const m of chosen) rc.waitUntil(send(rc, m, input, copy))
  return primary
}

/** Reads a tee branch (at most `limit` bytes); null when it fails or runs long (the primary reports that). */
async function readAll(stream: ReadableStream<Uint8Array>, limit: number): Promise<ArrayBuffer | null> {
  try {
    const buf = await new Response(stream).arrayBuffer()
    return buf.byteLength <= limit ? buf : null
  } catch {
    return null
  }
}

const DRAIN_LIMIT = 65_536

/**
 * Reads and drops a mirror's response body, so its keep-alive connection is reused (a cancelled body closes it:
 * a new connection per mirrored request); a body declared within 64 KiB is read in one native call, past 64 KiB
 * the rest is cancelled.
 */
async function drain(res: Response) {
  const body = res.body
  if (!body) return
  const length = res.headers.get('content-length')
  if (length !== null && DIGITS_RE.test(length) && Number(length) <= DRAIN_LIMIT) return void (await res.arrayBuffer())
  const reader = body.getReader()
  for (let n = 0; ; ) {
    const { done, value } = await reader.read()
    if (done) return
    if ((n += value.byteLength) > DRAIN_LIMIT) return reader.cancel()
  }
}

async function send(rc: RequestContext, m: MirrorPlan, input: MirrorInput, copy: Promise<ArrayBuffer | null> | ArrayBuffer | null) {
  const rt = m.cluster
  const headers = new Headers(rc.headers)
  headers.delete('content-length')
  const body = copy instanceof Promise ? await copy : copy
  if (copy !== null && body === null) {
    rc.stats.counter(rt.stat.of('retry_or_shadow_abandoned'))
    return
  }
  rc.stats.counter(rt.stat.of('shadow_rq_total'))
  const picked = rt.choose(rc.startedAt)
  if (!picked) {
    rc.stats.counter(rt.stat.of('shadow_rq_failure'))
    return
  }
  const e = picked.endpoint
  const host = rc.headers.get('x-forwarded-host') ?? rc.url.host
  let url: string
  let fetcher: Fetcher | undefined
  if (e.kind === 'url') {
    url = `${e.origin}${input.path}${rc.url.search}`
    if (m.hostSuffix) headers.set('x-forwarded-host', shadowHost(host))
  } else {
    const target = input.hostRewrite ?? rc.url.host
    url = `${rc.url.protocol}//${m.hostSuffix ? shadowHost(target) : target}${input.path}${rc.url.search}`
    fetcher = rc.env[e.binding] as Fetcher | undefined
  }
  try {
    const init: RequestInit = { method: rc.method, headers, body, redirect: 'manual' }
    if (input.timeoutMs > 0) init.signal = AbortSignal.timeout(input.timeoutMs)
    const res = await (fetcher ? fetcher.fetch(url, init) : fetch(url, init))
    rc.stats.counter(rt.stat.of(`shadow_rq_${Math.floor(res.status / 100)}xx`))
    await drain(res)
  } catch {
    rc.stats.counter(rt.stat.of('shadow_rq_failure'))
  }
}
