/**
 * @module One upstream attempt: fetch to one endpoint under the route timeout, the attempt's own per-try timeout
 * and the downstream abort signal, classified into a response or a failure (reset, timeout, abort). Never throws.
 */
import type { Endpoint } from './cluster.ts'
import { RESET, TIMEOUT } from './retry.ts'

const PER_TRY = 'legate-per-try-timeout'
const CANCELLED = 'legate-attempt-cancelled'
/** The abort reason of the route timeout (src/upstream/forward.ts); any other reason is a filter's. */
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
}

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
      if (isForwardable(res)) return { kind: 'response', attempt, res }
      void res.body?.cancel().catch(() => {})
      const message = `the upstream answered with status ${res.status}, which cannot be forwarded (an interim 1xx or a status outside 200–599)`
      return { kind: 'failed', attempt, code: RESET, cause: 'protocol', message }
    } catch (err) {
      const message = (err as Error)?.message ?? String(err)
      if (a.signal.aborted) {
        const cause = abortCause(a.signal)
        return { kind: 'failed', attempt, code: cause === 'route_timeout' ? TIMEOUT : RESET, cause, message }
      }
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
