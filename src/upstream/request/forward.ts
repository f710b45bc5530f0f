/**
 * @module The router's terminal step: choose the cluster, admit the request (shared failure-rate breaker, Envoy
 * thresholds), make the body replayable when a retry policy may need it, run the attempts (src/upstream/request/exchange.ts)
 * under the route timeout, and turn every failure into a deliberate local reply. Never awaits a Durable Object:
 * shared state is read from a cached snapshot and refreshed in the background.
 */
import type { ForwardPlan } from './plan.ts'
import type { RequestContext } from '../../context.ts'
import { stripDownstreamHopByHop, toDownstreamHeaders } from '../../http/headers.ts'
import { problem } from '../../http/problem.ts'
import type { MutationVars } from '../../lib/header-mutation.ts'
import type { RouteHit } from '../../router/routes.ts'
import { admit } from './admission.ts'
import { isFramedBody, watchClientBody } from './client-body.ts'
import { type ClusterRuntime, type Endpoint, endpointLabel } from '../isolate/cluster.ts'
import { ROUTE_TIMEOUT } from './attempt.ts'
import { exchange } from './exchange.ts'
import { failureReply } from './failure-reply.ts'
import { retireClusters, syncIfDue } from '../isolate/health-snapshot.ts'
import { replayableBody } from './replay.ts'
import { startMirrors } from './mirror.ts'


/** What forward() needs beyond the request context. */
export interface ForwardInput {
  plan: ForwardPlan
  hit: RouteHit
  /** The normalized path that was matched (before rewrites). */
  path: string
  clusters: ReadonlyMap<string, ClusterRuntime>
  vars: MutationVars
  /**
   * The request's upstream controller: a filter aborts it through rc.abortUpstream, the route timeout with
   * {@link ROUTE_TIMEOUT}. One controller and one signal per request (AbortSignal.any costs more than the rest
   * of the exchange machinery together).
   */
  abort: AbortController
  /** Randomness for cluster weights and back-off jitter. @default Math.random */
  random?: () => number
}

/** Picks the cluster for this request: fixed, from a header, or by weight. */
function chooseCluster(rc: RequestContext, input: ForwardInput): { cluster?: ClusterRuntime; name: string } {
  const { plan } = input
  if (plan.cluster) return { cluster: plan.cluster, name: plan.cluster.name }
  if (plan.clusterHeader !== undefined) {
    const name = (rc.headers.get(plan.clusterHeader) ?? '').split(',')[0]!.trim()
    const cluster = input.clusters.get(name)
    return cluster ? { cluster, name } : { name }
  }
  const w = plan.weighted!
  const r = (input.random ?? Math.random)() * w.total
  let i = 0
  while (i < w.cumulative.length - 1 && w.cumulative[i]! <= r) i++
  w.headers[i]!(rc.headers, input.vars)
  const cluster = w.clusters[i]
  return cluster ? { cluster, name: w.names[i]! } : { name: w.names[i]! }
}

function upstreamUrl(endpoint: Endpoint, rc: RequestContext, path: string, hostRewrite?: string): string {
  const search = rc.url.search
  if (endpoint.kind === 'url') return `${endpoint.origin}${path}${search}`
  return `${rc.url.protocol}//${hostRewrite ?? rc.url.host}${path}${search}`
}

function fetcherFor(endpoint: Endpoint, rc: RequestContext): Fetcher | undefined {
  if (endpoint.kind === 'url') return undefined
  const binding = rc.env[endpoint.binding] as Fetcher | undefined
  return binding && typeof binding.fetch === 'function' ? binding : undefined
}

/** Forwards the request. Never throws: failures become 503 (UF, UO, UH, NC) or 504 (UT) problem replies. */
export async function forward(rc: RequestContext, input: ForwardInput): Promise<Response> {
  const { plan } = input
  const { cluster, name } = chooseCluster(rc, input)
  if (!cluster) {
    const how = plan.clusterHeader ? `the ${plan.clusterHeader} header names "${name}"` : `the route names "${name}"`
    return problem({
      code: 'ERR_CLUSTER_NOT_FOUND',
      status: plan.clusterNotFoundStatus,
      detail: `${how}, which is not a configured cluster.`,
      requestId: rc.requestId,
    })
  }
  // Shared-state decisions (admission, ejections, outcome times) use the request's arrival time: one clock,
  // injectable in tests. Durations (latency, back-off, timeouts) are measured with real time.
  const clock = () => rc.startedAt
  try {
    const denied = admit(rc, cluster, clock())
    if (denied) return denied
    cluster.state.rqActive++
    try {
      return await forwardTo(rc, input, cluster, clock)
    } finally {
      cluster.state.rqActive--
    }
  } finally {
    syncIfDue(cluster, rc, clock())
    if (cluster.retired.length) retireClusters(cluster.retired, rc)
  }
}

async function forwardTo(rc: RequestContext, input: ForwardInput, cluster: ClusterRuntime, clock: () => number): Promise<Response> {
  const { plan } = input
  const retry = plan.retry
  const path = plan.rewrite ? plan.rewrite(input.path, input.hit) : input.path
  if (path !== input.path) rc.headers.set('x-envoy-original-path', input.path)

  const signal = input.abort.signal
  const prepared = replayableBody(rc, cluster, retry, signal)
  const body = prepared instanceof Promise ? await prepared : prepared
  if (body instanceof Response) return body

  // Only the client's own streamed body is watched; a filter's replacement body is the filter's business.
  const own = !body.replayable && body.body !== null && body.body === rc.request.body && isFramedBody(rc.request.headers)
  const clientBody = own ? watchClientBody(rc.request.body!, rc.request.headers) : undefined
  let sent = clientBody ? clientBody.body : body.body
  // Mirrors start now, in the background (Envoy: only once the primary cluster exists and admitted the request).
  if (plan.mirrors)
    sent = startMirrors(rc, plan.mirrors, {
      path,
      ...(plan.hostRewrite !== undefined ? { hostRewrite: plan.hostRewrite } : {}),
      timeoutMs: plan.timeoutMs,
      random: input.random ?? Math.random,
    }, sent)
  const timer = plan.timeoutMs > 0 ? setTimeout(() => input.abort.abort(ROUTE_TIMEOUT), plan.timeoutMs) : undefined
  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer)
  }
  const end = await exchange({
    rc,
    rt: cluster,
    ...(retry ? { retry } : {}),
    init: { method: rc.method, headers: rc.headers, body: sent, redirect: 'manual' },
    ...(clientBody ? { clientBody } : {}),
    replayable: body.replayable,
    target(e) {
      const fetcher = fetcherFor(e, rc)
      if (e.kind === 'service' && !fetcher)
        return problem({
          code: 'ERR_UPSTREAM_CONNECT',
          detail: `cluster "${cluster.name}" uses the service binding ${e.binding}, which this Worker does not have; add it to wrangler.toml.`,
          requestId: rc.requestId,
        })
      return { url: upstreamUrl(e, rc, path, plan.hostRewrite), ...(fetcher ? { fetcher } : {}) }
    },
    signal,
    deadline: plan.timeoutMs > 0 ? Date.now() + plan.timeoutMs : Infinity,
    clock,
    random: input.random ?? Math.random,
  })
  if (end.kind !== 'response') {
    disarm()
    if (end.kind === 'failed' && end.end.cause === 'route_timeout') rc.stats.counter(cluster.stat.of('upstream_rq_timeout'))
    return failureReply(rc, cluster, end, plan.timeoutMs)
  }

  const { res, attempt } = end
  rc.upstream = { cluster: cluster.name, endpoint: endpointLabel(attempt.endpoint), ms: attempt.ms, attempts: attempt.n }
  if (end.limitExceeded) rc.flags.add('URX')
  const tag = (headers: Headers) => {
    headers.set('x-envoy-upstream-service-time', String(attempt.ms))
    if (retry?.attemptCountDownstream) headers.set('x-envoy-attempt-count', String(attempt.n))
  }
  const status = res.status // Response accessors are calls into the runtime: each read once
  if (status === 101 && res.webSocket) {
    disarm()
    const headers = toDownstreamHeaders(res.headers, 101)
    tag(headers)
    return new Response(null, { status: 101, webSocket: res.webSocket, headers })
  }
  // The timer stays armed until the body is done: the route timeout covers the whole exchange (Envoy).
  const resBody = res.body
  if (!resBody) disarm()
  // A copy with mutable headers that keeps status, status text and the streaming body (nothing is buffered).
  const out = new Response(resBody, res)
  const headers = out.headers
  stripDownstreamHopByHop(headers, status)
  tag(headers)
  return out
}
