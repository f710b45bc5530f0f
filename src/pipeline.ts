/**
 * @module One request through a compiled snapshot: normalize, match host and route, run the filter chain,
 * take the route's action, run the response phase. Read top to bottom, it is the path of a request.
 */
import type { CompiledRoute, RedirectPlan, Snapshot } from './snapshot/compile.ts'
import type { Env } from './env.ts'
import type { RequestContext } from './context.ts'
import { PipelineContext } from './request-context.ts'
import type { HttpFilter } from './filters/types.ts'
import { ownedResponse } from './http/owned-response.ts'
import { trustedClientAddress } from './http/client.ts'
import { normalizePath, PATH_REJECT_DETAIL } from './http/path.ts'
import { FLAGS_HEADER, problem } from './http/problem.ts'
import { UpstreamHeaders } from './http/upstream-headers.ts'
import type { MutationVars } from './lib/header-mutation.ts'
import type { RequestRecord } from './observability/observer.ts'
import type { Stats } from './observability/stats.ts'
import { traceCompletion, type TraceContext } from './observability/tracing.ts'
import type { RouteHit } from './router/routes.ts'
import { forward } from './upstream/request/forward.ts'

export interface RequestInfo {
  request: Request
  /** `request.url`, parsed once by the caller; the pipeline normalizes its path in place. */
  url: URL
  env: Env
  waitUntil: (p: Promise<unknown>) => void
  requestId: string
  startedAt: number
  stats: Stats
  /** W3C trace context for this request (observability.tracing); sent upstream as traceparent/tracestate. */
  trace?: TraceContext
  /** Receives the request context once built, for the access log and route stats. */
  record?: RequestRecord
}

/**
 * A Response when every filter on the way answers synchronously and one of them replies locally (a cache hit, a
 * refusal): no promise and no microtask for the request. Otherwise a promise. A failure is a throw or a
 * rejection; the gateway answers both with the same 502.
 */
export function handleRequest(snapshot: Snapshot, info: RequestInfo): Response | Promise<Response> {
  const { request, requestId } = info
  const settings = snapshot.settings
  const url = info.url

  // URL and Request accessors are native calls: read each part once.
  const { pathname, host, search } = url
  const incoming = request.headers
  const method = request.method
  const normalized = normalizePath(pathname, settings)
  if (normalized.kind === 'reject')
    return problem({ code: 'ERR_BAD_PATH', detail: PATH_REJECT_DETAIL[normalized.reason], requestId })
  if (normalized.kind === 'redirect')
    return new Response(null, { status: 307, headers: { location: normalized.path + search, 'x-request-id': requestId } })
  const path = normalized.path

  // The upstream-bound headers: client copies of gateway control headers (x-envoy-*, x-legate-*, …) and hop-by-hop
  // headers are gone and the forwarding headers set before routing sees them (the trace headers before the filters).
  // Built when first needed (a local reply never builds them); single reads and deletes before that need no build.
  const clientAddress = trustedClientAddress(incoming, settings.xff_num_trusted_hops)
  const forwarding = { clientAddress, proto: url.protocol === 'https:' ? 'https' : 'http', host, requestId, xffNumTrustedHops: settings.xff_num_trusted_hops, websocket: true } as const
  const upstream = new UpstreamHeaders(incoming, forwarding)
  const vhost = snapshot.matchHost(host)
  const hit = vhost?.table.match({ path, method, headers: upstream, search })
  if (!vhost || !hit)
    return problem({
      code: 'ERR_ROUTE_NOT_FOUND',
      detail: vhost
        ? `no route in virtual host "${vhost.name}" matches ${method} ${path}.`
        : `no virtual host serves the host "${host}".`,
      requestId,
    })
  const route = vhost.route(hit.index)

  if (path !== pathname) url.pathname = path // a setter re-serializes the URL: only when normalizing changed it
  if (info.trace) upstream.complete(traceCompletion(info.trace)) // after routing, as Envoy's tracer injects upstream
  // One controller per request for the upstream exchange: filters abort it (rc.abortUpstream), and so does the
  // route timeout (src/upstream/request/forward.ts), each with its own reason. Made when first needed: a local
  // reply (a cache hit, a refusal) never builds the controller and its signal, nor the upstream headers.
  const rc = new PipelineContext(
    {
      request,
      url,
      body: request.body,
      method,
      requestId,
      clientAddress,
      routeName: route.name,
      vhostName: vhost.name,
      env: info.env,
      waitUntil: info.waitUntil,
      stats: info.stats,
      startedAt: info.startedAt,
      identity: {},
      rerun: (copy) => act(snapshot, route, copy, hit, path, copy.upstreamController()),
    },
    upstream
  )
  if (info.record) info.record.rc = rc

  return requestPhase({ snapshot, route, rc, hit, path }, 0)
}

/** What the two phases of one request share. */
interface Exchange {
  snapshot: Snapshot
  route: CompiledRoute
  rc: PipelineContext
  hit: RouteHit
  path: string
}

/**
 * The request phase from filter `from` on. A filter's local reply ends it; a filter that answers synchronously is
 * not awaited (no microtask per filter and phase on the hot path); the first promise continues the phase after it.
 */
function requestPhase(x: Exchange, from: number): Response | Promise<Response> {
  const chain = x.route.chain
  for (let i = from; i < chain.length; i++) {
    const r = chain[i]!.onRequest?.(x.rc)
    if (r instanceof Promise) return r.then((local) => (local ? responsePhase(x, ownedResponse(local), i - 1) : requestPhase(x, i + 1)))
    // The filter that answered does not see its own reply: the response phase starts with the one before it.
    if (r) return responsePhase(x, ownedResponse(r), i - 1)
  }
  return act(x.snapshot, x.route, x.rc, x.hit, x.path, x.rc.upstreamController()).then((out) => responsePhase(x, out, chain.length - 1))
}

/** The response phase, from filter `from` back to the first; a filter's replacement is made mutable (ownedResponse). */
function responsePhase(x: Exchange, out: Response, from: number): Response | Promise<Response> {
  const chain = x.route.chain
  for (let i = from; i >= 0; i--) {
    const r: Response | void | Promise<Response | void> = (chain[i] as HttpFilter).onResponse?.(x.rc, out)
    if (r instanceof Promise) return r.then((replaced) => responsePhase(x, replaced && replaced !== out ? ownedResponse(replaced) : out, i - 1))
    if (r && r !== out) out = ownedResponse(r)
  }
  if (x.rc.flags.size) appendFlags(out, x.rc.flags)
  return out
}

/** The route's action, with route and virtual host header mutations around it. */
async function act(
  snapshot: Snapshot,
  route: CompiledRoute,
  rc: RequestContext,
  hit: RouteHit,
  path: string,
  abort: AbortController
): Promise<Response> {
  // %REQ(x)% reads the upstream-bound headers as they are now (sanitized, after earlier mutations), as Envoy does.
  const vars: MutationVars = {
    requestHeaders: rc.headers,
    clientAddress: rc.clientAddress,
    requestId: rc.requestId,
    routeName: rc.routeName,
    startedAt: rc.startedAt,
  }
  const action = route.action
  let response: Response
  if (action.kind === 'forward') {
    route.requestHeaders(rc.headers, vars)
    response = await forward(rc, { plan: action, hit, path, clusters: snapshot.clusters, vars, abort })
  } else if (action.kind === 'redirect') {
    response = new Response(null, { status: action.response_code, headers: { location: redirectLocation(action, rc, hit, path) } })
  } else {
    const headers = new Headers(action.headers)
    if (action.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8')
    response = new Response(action.body ?? null, { status: action.status, headers })
  }
  if (response.status !== 101) route.responseHeaders(response.headers, vars)
  return response
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' }

/** Envoy RedirectAction: scheme, host, port, path (or prefix/regex rewrite), query. */
export function redirectLocation(a: RedirectPlan, rc: RequestContext, hit: RouteHit, path: string): string {
  const scheme = a.https_redirect ? 'https:' : a.scheme_redirect ? `${a.scheme_redirect}:` : rc.url.protocol
  const host = a.host_redirect ?? rc.url.hostname
  let port = a.port_redirect !== undefined ? String(a.port_redirect) : a.host_redirect ? '' : rc.url.port
  if (scheme !== rc.url.protocol && a.port_redirect === undefined) port = ''
  if (port === DEFAULT_PORT[scheme]) port = ''
  let newPath = path
  let query = a.strip_query ? '' : rc.url.search
  if (a.path_redirect !== undefined) {
    const q = a.path_redirect.indexOf('?')
    newPath = q < 0 ? a.path_redirect : a.path_redirect.slice(0, q)
    if (q >= 0) query = a.path_redirect.slice(q)
  } else if (a.rewrite) newPath = a.rewrite(path, hit)
  return `${scheme}//${host}${port ? `:${port}` : ''}${newPath}${query}`
}

function appendFlags(response: Response, flags: Set<string>) {
  const existing = response.headers.get(FLAGS_HEADER)
  const all = new Set(existing ? existing.split(',') : [])
  for (const f of flags) all.add(f)
  response.headers.set(FLAGS_HEADER, [...all].join(','))
}
