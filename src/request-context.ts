/**
 * @module The RequestContext the pipeline builds, as a class: one object shape for every request, the methods on the
 * prototype (no closures per request), the upstream-bound headers built on first access of `headers` and the
 * upstream's AbortController made on first need. Not a plain object: copy one with {@link PipelineContext.copy}.
 */
import type { Env } from './env.ts'
import type { FilterStateMap, Identity, RequestContext, UpstreamOutcome } from './context.ts'
import type { UpstreamHeaders } from './http/upstream-headers.ts'
import type { Stats } from './observability/stats.ts'

/** What the pipeline knows when it builds the context. */
export interface ContextFields {
  request: Request
  url: URL
  body: ReadableStream<Uint8Array> | null
  method: string
  requestId: string
  clientAddress: string
  routeName: string
  vhostName: string
  env: Env
  waitUntil: (promise: Promise<unknown>) => void
  stats: Stats
  startedAt: number
  identity: Identity
  /** The route's action again on a copy of this context (stale-while-revalidate refreshes). */
  rerun?: ((rc: PipelineContext) => Promise<Response>) | undefined
}

export class PipelineContext implements RequestContext {
  readonly request: Request
  readonly url: URL
  body: ReadableStream<Uint8Array> | null
  readonly method: string
  readonly requestId: string
  readonly clientAddress: string
  readonly routeName: string
  readonly vhostName: string
  readonly env: Env
  readonly waitUntil: (promise: Promise<unknown>) => void
  readonly flags = new Set<string>()
  readonly identity: Identity
  readonly stats: Stats
  readonly state: Partial<FilterStateMap> = {}
  upstream?: UpstreamOutcome
  readonly startedAt: number
  readonly #rerun: ((rc: PipelineContext) => Promise<Response>) | undefined
  readonly #lazy: UpstreamHeaders | undefined
  #built: Headers | undefined
  #abort: AbortController | undefined

  constructor(f: ContextFields, headers: UpstreamHeaders | Headers) {
    this.request = f.request
    this.url = f.url
    this.body = f.body
    this.method = f.method
    this.requestId = f.requestId
    this.clientAddress = f.clientAddress
    this.routeName = f.routeName
    this.vhostName = f.vhostName
    this.env = f.env
    this.waitUntil = f.waitUntil
    this.identity = f.identity
    this.stats = f.stats
    this.startedAt = f.startedAt
    this.upstream = undefined
    this.#rerun = f.rerun
    this.#lazy = headers instanceof Headers ? undefined : headers
    this.#built = headers instanceof Headers ? headers : undefined
    this.#abort = undefined
  }

  get headers(): Headers {
    return (this.#built ??= this.#lazy!.build())
  }

  header(name: string): string | null {
    return this.#built ? this.#built.get(name) : this.#lazy!.get(name)
  }

  deleteHeader(name: string): void {
    if (this.#built) this.#built.delete(name)
    else this.#lazy!.delete(name)
  }

  abortUpstream(reason: Error): void {
    this.upstreamController().abort(reason)
  }

  /** The upstream exchange's controller (the pipeline's; filters abort through `abortUpstream`). */
  upstreamController(): AbortController {
    return (this.#abort ??= new AbortController())
  }

  refetch(): Promise<Response> {
    if (!this.#rerun) return Promise.reject(new Error('refetch: no route action to run again'))
    return this.#rerun(this.copy())
  }

  /** A copy for running the action again: the headers as they are now (copied), no body, fresh flags and state. */
  copy(): PipelineContext {
    return new PipelineContext({ ...this.#fields(), body: null }, new Headers(this.headers))
  }

  #fields(): ContextFields {
    const { request, url, body, method, requestId, clientAddress, routeName, vhostName, env, waitUntil, stats, startedAt, identity } = this
    return { request, url, body, method, requestId, clientAddress, routeName, vhostName, env, waitUntil, stats, startedAt, identity, rerun: this.#rerun }
  }
}
