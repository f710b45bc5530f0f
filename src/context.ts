/**
 * @module What one request carries through the pipeline: the RequestContext every filter phase and the upstream
 * step see, the Identity auth filters establish, each filter's typed state and the upstream outcome.
 */
import type { Env } from './env.ts'
import type { Stats } from './observability/stats.ts'

/**
 * Who the request is, as established by an authentication filter (jwt_authn, api_key). The one sanctioned
 * channel between filters: auth filters write it, later filters (rate_limit descriptors, header mutations) read it.
 */
export interface Identity {
  /** Consumer name (API key metadata) or the JWT subject. */
  consumer?: string
  /** Verified JWT claims, by provider name. */
  claims?: Record<string, Record<string, unknown>>
  /** Granted scopes (JWT `scope`/`scp`, API key scopes). */
  scopes?: string[]
}

/** What a filter's request and response phases see. One per request, created by the pipeline. */
export interface RequestContext {
  /** The downstream request as received (its URL is the raw one). */
  readonly request: Request
  /** The normalized URL: the path that was matched is the path that is forwarded. Filters may change the query. */
  readonly url: URL
  /**
   * Headers that go upstream. Mutable; hop-by-hop and control headers are already removed. Built on first access:
   * to read or remove one header on a path that may end in a local reply, use {@link header} and
   * {@link deleteHeader}, which do not build them.
   */
  readonly headers: Headers
  /** `headers.get(name)`, without building the upstream headers when they are not built yet. */
  header(name: string): string | null
  /** `headers.delete(name)`, without building the upstream headers (the delete is applied when they are). */
  deleteHeader(name: string): void
  /** The body that goes upstream. A filter may replace it (e.g. wrap it in a counting stream). */
  body: ReadableStream<Uint8Array> | null
  readonly method: string
  readonly requestId: string
  /** The trusted client address (CF-Connecting-IP, or from X-Forwarded-For per `xff_num_trusted_hops`). */
  readonly clientAddress: string
  readonly routeName: string
  readonly vhostName: string
  readonly env: Env
  readonly waitUntil: (promise: Promise<unknown>) => void
  /** Envoy response flags raised while handling this request (e.g. "FI", "DI"). */
  readonly flags: Set<string>
  /** Set by authentication filters; read by later filters. */
  readonly identity: Identity
  /** Counters, gauges and histograms (names like `jwt_authn.denied.expired`); recorded in memory. */
  readonly stats: Stats
  /**
   * Per-request state, one key per filter name, typed by FilterStateMap. Filters never read each other's keys.
   */
  readonly state: Partial<FilterStateMap>
  /** What the upstream exchange did, once the route's forward action has run (absent for local replies). */
  upstream?: UpstreamOutcome
  /** Milliseconds since the epoch when the request arrived. */
  readonly startedAt: number
  /**
   * Aborts the upstream exchange (the connection is reset; the pipeline answers with a local reply that the
   * aborting filter may replace in its response phase). Erroring an upload stream is not enough: workerd ends
   * such an upload as if it were complete (workerd#5114).
   */
  abortUpstream(reason: Error): void
  /**
   * Runs the route's action again for this request, for a filter's background work (a cache's
   * stale-while-revalidate refresh, in `waitUntil`): the upstream-bound headers as they are now (copied), no body,
   * its own outcome and timeout. The filters after the caller do not run for it. Absent outside the pipeline.
   */
  refetch?(): Promise<Response>
}

/**
 * `rc.state`'s shape: each filter adds its own key by augmenting this interface, as Hono's ContextVariableMap:
 * `declare module 'legate' { interface FilterStateMap { require_tenant: { tenant: string } } }`.
 */
export interface FilterStateMap {}

/** What the forward action leaves on the request context (src/upstream/request/forward.ts), for logs and filters. */
export interface UpstreamOutcome {
  cluster: string
  /** The endpoint of the last attempt, as `host:port` or `binding:<name>`. */
  endpoint: string
  /** Duration of the last attempt to its response headers, ms. */
  ms: number
  /** Attempts made (1 without retries). */
  attempts: number
}
