/**
 * @module One upstream attempt: fetch to one endpoint under the route timeout, the attempt's own per-try timeout
 * and the downstream abort signal, classified into a response or a failure (reset, timeout, abort). Never throws.
 */
import type { WatchedBody } from './client-body.ts'
import type { Endpoint } from '../isolate/cluster.ts'
import { RESET, TIMEOUT } from './retry.ts'

const PER_TRY = 'legate-per-try-timeout'
const CANCELLED = 'legate-attempt-cancelled'
/** The abort reason of the route timeout (src/upstream/request/forward.ts); any other reason is a filter's. */
export const ROUTE_TIMEOUT = 'legate-route-timeout'

/** Why the request's upstream signal fired: the route timeout, or a filter (the downstream side) gave up. */
export function abortCause(signal: AbortSignal): 'route_timeout' | 'downstream' {
  return signal.reason === ROUTE_TIMEOUT ? 'route_timeout' : 'downstream'
}

/**
 * Why an attempt produced no response. `protocol`: the upstream answered with a status that cannot be forwarded
 * (an interim 1xx, which workerd's fetch hands over in place of the final response, or one outside 100–599).
 */
export type FailureCause = 'reset' | 'per_try_timeout' | 'route_timeout' | 'downstream' | 'cancelled' | 'protocol'

export type AttemptEnd =
  | { kind: 'response'; attempt: Attempt; res: Response }
  | { kind: 'failed'; attempt: Attempt; code: typeof RESET | typeof TIMEOUT; cause: FailureCause; message: string }

export interface Attempt {
  /** 1-based. */
  readonly n: number
  readonly endpoint: Endpoint
  readonly retry: boolean
  /** Milliseconds until the response headers (or the failure); set when `done` settles. */
  ms: number
  readonly done: Promise<AttemptEnd>
  /** Hedging only: settles when the per-try timeout fires; the attempt keeps running. */
  readonly tick?: Promise<void>
  ticked: boolean
  /** Aborts the attempt (a hedge that lost, or a response nobody will read). */
  cancel(): void
}

export interface AttemptInit {
  n: number
  endpoint: Endpoint
  retry: boolean
  url: string
  init: RequestInit
  fetcher?: Fetcher
  /** The request's upstream signal: the route timeout (reason ROUTE_TIMEOUT) or a filter's abort. */
  signal: AbortSignal
  perTryMs: number
  hedge: boolean
  active: Int32Array
  /** The client's body, watched (src/upstream/request/client-body.ts): a failure on its side is not the upstream's. */
  clientBody?: Pick<WatchedBody, 'failed' | 'settled'>
}

const CLIENT_BODY_FAILED = 'the request body ended early or failed on the client side'

/** Starts an attempt at once. */
export function startAttempt(a: AttemptInit): Attempt {
  // Only attempts with a per-try timeout (or hedging, which needs one) can end on their own: the others use the
  // request's signal and save a controller on the hot path. An attempt's own controller follows the request's
  // signal through a listener (cheaper than AbortSignal.any).
  const controller = a.perTryMs > 0 ? new AbortController() : undefined
  let tickResolve: (() => void) | undefined
  const tick = controller && a.hedge ? new Promise<void>((r) => (tickResolve = r)) : undefined
  const timer = controller ? setTimeout(() => (tickResolve ? tickResolve() : controller.abort(PER_TRY)), a.perTryMs) : undefined
  const follow = controller ? () => controller.abort(a.signal.reason) : undefined
  if (follow) {
    if (a.signal.aborted) follow()
    else a.signal.addEventListener('abort', follow, { once: true })
  }
  const signal = controller ? controller.signal : a.signal
  const started = Date.now()
  const attempt: Attempt = {
    n: a.n,
    endpoint: a.endpoint,
    retry: a.retry,
    ms: 0,
    ticked: false,
    ...(tick ? { tick } : {}),
    done: undefined as unknown as Promise<AttemptEnd>,
    cancel: () => controller?.abort(CANCELLED),
  }
  a.active[a.endpoint.index]!++
  const init: RequestInit = { ...a.init, signal }
  ;(attempt as { done: Promise<AttemptEnd> }).done = (async (): Promise<AttemptEnd> => {
    try {
      const res = await (a.fetcher ? a.fetcher.fetch(a.url, init) : fetch(a.url, init))
      // An upstream may answer a body workerd ended early as if it were whole: the client's failure still wins.
      if (a.clientBody?.failed) {
        void res.body?.cancel().catch(() => {})
        return { kind: 'failed', attempt, code: RESET, cause: 'downstream', message: CLIENT_BODY_FAILED }
      }
      if (isForwardable(res)) return { kind: 'response', attempt, res }
      void res.body?.cancel().catch(() => {})
      const message = `the upstream answered with status ${res.status}, which cannot be forwarded (an interim 1xx or a status outside 200–599)`
      return { kind: 'failed', attempt, code: RESET, cause: 'protocol', message }
    } catch (err) {
      const message = (err as Error)?.message ?? String(err)
      // A filter's abort or the route timeout keeps its own reply (413, 504, …).
      if (a.signal.aborted) {
        const cause = abortCause(a.signal)
        return { kind: 'failed', attempt, code: cause === 'route_timeout' ? TIMEOUT : RESET, cause, message }
      }
      // workerd reports a client body that failed like an upstream reset ("Network connection lost."): not the
      // upstream's fault, so not its failure (outlier detection, breaker) either.
      if (a.clientBody && (await settledBy(a.clientBody.settled, CLIENT_BODY_GRACE_MS)))
        return { kind: 'failed', attempt, code: RESET, cause: 'downstream', message: CLIENT_BODY_FAILED }
      if (controller?.signal.reason === PER_TRY) return { kind: 'failed', attempt, code: TIMEOUT, cause: 'per_try_timeout', message }
      if (controller?.signal.reason === CANCELLED) return { kind: 'failed', attempt, code: RESET, cause: 'cancelled', message }
      return { kind: 'failed', attempt, code: RESET, cause: 'reset', message }
    } finally {
      if (timer !== undefined) clearTimeout(timer)
      if (follow) a.signal.removeEventListener('abort', follow)
      a.active[a.endpoint.index]!--
      attempt.ms = Date.now() - started
    }
  })()
  return attempt
}

/** How long a failed attempt waits to learn whether the client's body failed first (it settles within a turn). */
const CLIENT_BODY_GRACE_MS = 50

/** The watcher's verdict if it settles within `ms`, else false. */
function settledBy(verdict: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  return Promise.race([verdict, late]).finally(() => timer !== undefined && clearTimeout(timer))
}

/**
 * Whether a response can become the client's: 200–599, or a 101 that carries a WebSocket. workerd's fetch returns
 * the first interim response it reads (100 Continue, 102, 103 Early Hints) and `new Response()` refuses every
 * status outside 200–599, so anything else is an upstream protocol error (Envoy: 502 `UPE`), never an exception.
 */
export function isForwardable(res: Response): boolean {
  const s = res.status
  return (s >= 200 && s <= 599) || (s === 101 && res.webSocket !== null && res.webSocket !== undefined)
}

/** Resolves after `ms`, or early (true) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true)
  if (ms <= 0) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (aborted: boolean) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(aborted)
    }
    const onAbort = () => done(true)
    const timer = setTimeout(() => done(false), ms)
    signal.addEventListener('abort', onAbort)
  })
}
