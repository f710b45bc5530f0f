/**
 * @module The router's terminal step: choose the cluster and endpoint, build the upstream request (streamed),
 * fetch it under the route timeout, and turn every failure into a deliberate local reply.
 */
import type { ForwardPlan } from '../config/compile.ts'
import type { RequestContext } from '../filters/types.ts'
import { toDownstreamHeaders } from '../http/headers.ts'
import { problem } from '../http/problem.ts'
import type { MutationVars } from '../lib/header-mutation.ts'
import type { RouteHit } from '../router/routes.ts'
import type { ClusterRuntime, Endpoint } from './cluster.ts'

const TIMEOUT = Symbol('legate-timeout')

/** What forward() needs beyond the request context. */
export interface ForwardInput {
  plan: ForwardPlan
  hit: RouteHit
  /** The normalized path that was matched (before rewrites). */
  path: string
  clusters: ReadonlyMap<string, ClusterRuntime>
  vars: MutationVars
  /** Aborted by a filter through rc.abortUpstream. */
  signal: AbortSignal
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

/** Forwards the request. Never throws: failures become 503 (UF, NC) or 504 (UT) problem replies. */
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
  const endpoint = cluster.pick()
  const path = plan.rewrite ? plan.rewrite(input.path, input.hit) : input.path
  if (path !== input.path) rc.headers.set('x-envoy-original-path', input.path)
  const url = upstreamUrl(endpoint, rc, path, plan.hostRewrite)
  const fetcher = fetcherFor(endpoint, rc)
  if (endpoint.kind === 'service' && !fetcher)
    return problem({
      code: 'ERR_UPSTREAM_CONNECT',
      detail: `cluster "${cluster.name}" uses the service binding ${endpoint.binding}, which this Worker does not have; add it to wrangler.toml.`,
      requestId: rc.requestId,
    })

  const abort = new AbortController()
  const timer = plan.timeoutMs > 0 ? setTimeout(() => abort.abort(TIMEOUT), plan.timeoutMs) : undefined
  const disarm = () => {
    if (timer !== undefined) clearTimeout(timer)
  }
  const hasBody = rc.body !== null && rc.method !== 'GET' && rc.method !== 'HEAD'
  const signal = AbortSignal.any([abort.signal, input.signal])
  const init: RequestInit = { method: rc.method, headers: rc.headers, body: hasBody ? rc.body : null, redirect: 'manual', signal }
  cluster.active[endpoint.index]!++
  const sentAt = Date.now()
  let res: Response
  try {
    res = await (fetcher ? fetcher.fetch(url, init) : fetch(url, init))
  } catch (err) {
    disarm()
    if (input.signal.aborted)
      return problem({
        code: 'ERR_BAD_REQUEST',
        detail: `the request was aborted while being forwarded: ${(input.signal.reason as Error)?.message ?? 'by a filter'}.`,
        requestId: rc.requestId,
      })
    if (abort.signal.aborted)
      return problem({
        code: 'ERR_UPSTREAM_TIMEOUT',
        detail: `cluster "${cluster.name}" did not answer within the route timeout of ${plan.timeoutMs} ms.`,
        requestId: rc.requestId,
      })
    return problem({
      code: 'ERR_UPSTREAM_CONNECT',
      detail: `cluster "${cluster.name}": connection to ${endpointLabel(endpoint)} failed or was reset before a response (${(err as Error).message}).`,
      requestId: rc.requestId,
    })
  } finally {
    cluster.active[endpoint.index]!--
  }
  rc.state.upstream = { cluster: cluster.name, endpoint: endpointLabel(endpoint), ms: Date.now() - sentAt }
  const headers = toDownstreamHeaders(res.headers, res.status)
  headers.set('x-envoy-upstream-service-time', String(Date.now() - sentAt))
  if (res.status === 101 && res.webSocket) {
    disarm()
    return new Response(null, { status: 101, webSocket: res.webSocket, headers })
  }
  // The timer stays armed until the body is done: the route timeout covers the whole exchange (Envoy).
  if (!res.body) disarm()
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
}

export function endpointLabel(e: Endpoint): string {
  return e.kind === 'url' ? e.host : `service:${e.binding}`
}
