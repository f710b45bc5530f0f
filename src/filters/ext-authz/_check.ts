/**
 * @module One authorization check: the check request (Envoy's raw HTTP ext_authz client), the call under a deadline,
 * and the classification of the answer: 2xx allows, 5xx / unreachable / timeout is an error, anything else denies.
 */
import type { ClusterHandle, Endpoint } from '../../upstream/isolate/cluster.ts'
import type { RequestContext } from '../types.ts'
import { readCapped } from '../../http/body.ts'

/** Largest deny body passed to the client; a longer one makes the check an error. */
export const MAX_DENY_BODY_BYTES = 64 * 1024

/** Header telling the service it got the first `max_request_bytes` only (Envoy's name). */
export const PARTIAL_BODY_HEADER = 'x-envoy-auth-partial-body'

/** Where checks go: an origin, a service binding, or a cluster's endpoints. */
export type CheckTarget =
  | { kind: 'url'; origin: string }
  | { kind: 'service'; binding: string }
  | { kind: 'cluster'; cluster: ClusterHandle }

/** How the check request is built; compiled once in create(). */
export interface CheckPlan {
  target: CheckTarget
  pathPrefix: string
  timeoutMs: number
  /** True for a request header sent to the service. */
  sendHeader: (name: string) => boolean
  headersToAdd: readonly { key: string; value: string }[]
}

/** The outcome of a check. */
export type CheckResult =
  | { kind: 'allow'; headers: Headers }
  | { kind: 'deny'; status: number; headers: Headers; body: Uint8Array }
  | { kind: 'error'; reason: string }

/** Headers Envoy always sends: method and path travel as the check request's own. */
const ALWAYS = new Set(['authorization'])

/** A service-binding endpoint sees the request's own host; an origin gets its own. */
function checkUrl(plan: CheckPlan, rc: RequestContext, origin: string | undefined): string {
  return `${origin ?? `${rc.url.protocol}//${rc.url.host}`}${plan.pathPrefix}${rc.url.pathname}${rc.url.search}`
}

function checkHeaders(plan: CheckPlan, rc: RequestContext, partial: boolean): Headers {
  const out = new Headers()
  for (const [name, value] of rc.headers) if (ALWAYS.has(name) || plan.sendHeader(name)) out.set(name, value)
  out.delete('content-length')
  out.delete('host')
  out.set('x-forwarded-host', rc.url.host)
  for (const h of plan.headersToAdd) out.set(h.key, h.value)
  if (partial) out.set(PARTIAL_BODY_HEADER, 'true')
  return out
}

interface Via {
  fetcher: { fetch: typeof fetch }
  origin: string | undefined
  /** The picked cluster endpoint, counted in flight until `done()`. */
  endpoint?: { endpoint: Endpoint; done(): void }
}

function binding(rc: RequestContext, name: string): Fetcher | undefined {
  const b = rc.env[name] as Fetcher | undefined
  return b && typeof b.fetch === 'function' ? b : undefined
}

/** Resolves where this check goes; a string says why it cannot go anywhere. */
function route(plan: CheckPlan, rc: RequestContext): Via | string {
  const t = plan.target
  if (t.kind === 'url') return { fetcher: { fetch }, origin: t.origin }
  if (t.kind === 'service') {
    const f = binding(rc, t.binding)
    return f ? { fetcher: f, origin: undefined } : `the service binding ${t.binding} is not bound to this Worker`
  }
  const picked = t.cluster.acquire()
  const { endpoint } = picked
  if (endpoint.kind === 'url') return { fetcher: { fetch }, origin: endpoint.origin, endpoint: picked }
  const f = binding(rc, endpoint.binding)
  if (!f) {
    picked.done()
    return `cluster "${t.cluster.name}" uses the service binding ${endpoint.binding}, which is not bound to this Worker`
  }
  return { fetcher: f, origin: undefined, endpoint: picked }
}

/**
 * Calls the authorization service for `rc`. Never throws. The deadline covers the answer's headers and body.
 * @param body the buffered request body (with_request_body), or null for a check without a body.
 */
export async function check(plan: CheckPlan, rc: RequestContext, body: Uint8Array | null, partial: boolean): Promise<CheckResult> {
  const via = route(plan, rc)
  if (typeof via === 'string') return { kind: 'error', reason: via }
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(new Error('timeout')), plan.timeoutMs)
  const withBody = body !== null && rc.method !== 'GET' && rc.method !== 'HEAD'
  const init: RequestInit = {
    method: rc.method,
    headers: checkHeaders(plan, rc, partial),
    body: withBody ? body : rc.method === 'GET' || rc.method === 'HEAD' ? null : new Uint8Array(0),
    redirect: 'manual',
    signal: abort.signal,
  }
  try {
    let res: Response
    try {
      res = await via.fetcher.fetch(checkUrl(plan, rc, via.origin), init)
    } finally {
      via.endpoint?.done()
    }
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => {})
      return { kind: 'allow', headers: res.headers }
    }
    if (res.status >= 500 || res.status < 200) {
      await res.body?.cancel().catch(() => {})
      return { kind: 'error', reason: `the service answered ${res.status}` }
    }
    const bytes = await readCapped(res.body, MAX_DENY_BODY_BYTES)
    if (!bytes) return { kind: 'error', reason: `the service's deny body is over ${MAX_DENY_BODY_BYTES} bytes` }
    return { kind: 'deny', status: res.status, headers: res.headers, body: bytes }
  } catch (e) {
    if (abort.signal.aborted) return { kind: 'error', reason: `no answer within ${plan.timeoutMs} ms` }
    return { kind: 'error', reason: `the service is unreachable (${(e as Error)?.message ?? String(e)})` }
  } finally {
    clearTimeout(timer)
  }
}
