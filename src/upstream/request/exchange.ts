/**
 * @module The attempt loop of one request (Envoy router retry state): first attempt, then retries while the
 * outcome is retriable, the request replayable, retries remain, the retry budget or `max_retries` allows one and
 * the route timeout leaves room for the back-off. With hedging, a per-try timeout starts another attempt without
 * cancelling the first; the first good answer wins and the others are aborted.
 */
import type { RequestContext } from '../../context.ts'
import { abortCause, type Attempt, type AttemptEnd, sleep, startAttempt } from './attempt.ts'
import type { Random } from './backoff.ts'
import type { WatchedBody } from './client-body.ts'
import type { ClusterRuntime, Endpoint } from '../isolate/cluster.ts'
import { recordAttempt } from './record.ts'
import { type RetryPlan, TIMEOUT } from './retry.ts'

export interface ExchangeInput {
  rc: RequestContext
  rt: ClusterRuntime
  retry?: RetryPlan
  init: RequestInit & { headers: Headers }
  /** The body can be sent again (buffered, or none). */
  replayable: boolean
  /** URL and fetcher for an endpoint, or a local reply when the endpoint cannot be used. */
  target(e: Endpoint): { url: string; fetcher?: Fetcher } | Response
  /** The request's upstream signal: aborted by the route timeout (reason ROUTE_TIMEOUT) or by a filter. */
  signal: AbortSignal
  /** The client's body when it streams, watched: its failures are the client's, not an endpoint's. */
  clientBody?: WatchedBody
  /** Date.now() by which the route timeout fires; Infinity without one. */
  deadline: number
  /** The isolate clock (injected in tests). */
  clock(): number
  random: Random
}

type Failed = Extract<AttemptEnd, { kind: 'failed' }>
export type ExchangeEnd =
  | { kind: 'response'; res: Response; attempt: Attempt; limitExceeded: boolean }
  | { kind: 'failed'; end: Failed; attempts: number; limitExceeded: boolean }
  | { kind: 'local'; response: Response }
  | { kind: 'no_healthy' }

/** Whether the retry circuit breaker (budget or max_retries) and max_pending_requests allow one more retry. */
export function retryAllowed(rt: ClusterRuntime): boolean {
  const s = rt.state
  const l = rt.limits
  const b = l.retry_budget
  const limit = b ? Math.max(b.min_retry_concurrency, Math.floor((b.budget_percent * (s.rqActive + s.rqPending)) / 100)) : l.max_retries
  return s.retriesActive < limit && s.rqPending < l.max_pending_requests
}

/** Runs the attempts. Never throws. */
export async function exchange(x: ExchangeInput): Promise<ExchangeEnd> {
  const { rt, retry, rc } = x
  const stats = rc.stats
  const st = rt.state
  const live: Attempt[] = []
  const tried = new Set<number>()
  let launched = 0
  let retries = 0
  let last: AttemptEnd | undefined
  const mayRetry = retry !== undefined && retry.numRetries > 0 && x.replayable && retry.requestAllowed(rc.method, rc.headers)

  const dispose = (e: AttemptEnd | undefined) => {
    if (e?.kind === 'response') void e.res.body?.cancel().catch(() => {})
  }
  const count = (stat: string) => {
    stats.counter(rt.stat.of(stat))
    st.count(stat)
  }
  /** Starts an attempt; returns why it could not ('none': no available endpoint, or a local reply). */
  const launch = (isRetry: boolean): Response | 'none' | undefined => {
    const choice = rt.choose(x.clock(), retry?.previousHosts ? tried : undefined)
    if (!choice) return 'none'
    if (choice.panic) stats.counter(rt.stat.of('lb_healthy_panic'))
    const t = x.target(choice.endpoint)
    if (t instanceof Response) return t
    tried.add(choice.endpoint.index)
    launched++
    if (retry?.attemptCountUpstream) x.init.headers.set('x-envoy-attempt-count', String(launched))
    if (isRetry) {
      retries++
      st.retriesActive++
      count('upstream_rq_retry')
    }
    const { url, fetcher } = t
    const perTryMs = retry?.perTryTimeoutMs ?? 0
    const hedge = retry?.hedge ?? false
    const common = { url, init: x.init, signal: x.signal, perTryMs, hedge, active: st.active, ...(x.clientBody ? { clientBody: x.clientBody } : {}) }
    live.push(startAttempt({ n: launched, endpoint: choice.endpoint, retry: isRetry, ...common, ...(fetcher ? { fetcher } : {}) }))
    return undefined
  }
  const finish = (e: AttemptEnd, limitExceeded: boolean): ExchangeEnd => {
    for (const a of live.splice(0)) {
      a.cancel()
      if (a.retry) st.retriesActive--
    }
    if (last !== e) dispose(last)
    if (limitExceeded) count('upstream_rq_retry_limit_exceeded')
    if (e.kind === 'failed') return { kind: 'failed', end: e, attempts: launched, limitExceeded }
    if (e.attempt.retry && !(retry?.retriable(e.res.status, e.res.headers) ?? false)) count('upstream_rq_retry_success')
    return { kind: 'response', res: e.res, attempt: e.attempt, limitExceeded }
  }

  const first = launch(false)
  if (first === 'none') return { kind: 'no_healthy' }
  if (first) return { kind: 'local', response: first }

  for (;;) {
    const newest = live[live.length - 1]!
    let ev: AttemptEnd | { kind: 'tick' }
    if (live.length === 1 && !newest.tick) ev = await newest.done
    else {
      const racers: Promise<AttemptEnd | { kind: 'tick' }>[] = live.map((a) => a.done)
      if (newest.tick && !newest.ticked) racers.push(newest.tick.then(() => ({ kind: 'tick' as const })))
      ev = await Promise.race(racers)
    }
    if (ev.kind === 'tick') {
      // Hedging: the newest attempt passed its per-try timeout; start another one next to it.
      newest.ticked = true
      if (mayRetry && retries < retry!.numRetries && retryAllowed(rt)) launch(true)
      else if (mayRetry && retries < retry!.numRetries) count('upstream_rq_retry_overflow')
      continue
    }
    live.splice(live.indexOf(ev.attempt), 1)
    if (ev.attempt.retry) st.retriesActive--
    if (ev.kind === 'failed' && ev.cause === 'cancelled' && live.length) continue
    if (ev.kind === 'failed' && (ev.cause === 'downstream' || ev.cause === 'cancelled')) return finish(ev, false)
    recordAttempt(rt, stats, ev, x.clock())
    if (ev.kind === 'failed' && ev.cause === 'route_timeout') return finish(ev, false)
    const code = ev.kind === 'response' ? ev.res.status : ev.code
    if (!retry?.retriable(code, ev.kind === 'response' ? ev.res.headers : undefined)) return finish(ev, false)
    if (last !== ev) dispose(last)
    last = ev
    if (live.length) continue // hedged: another attempt may still answer well
    if (!mayRetry) return finish(ev, false)
    if (retries >= retry.numRetries) return finish(ev, retries > 0)
    if (!retryAllowed(rt)) {
      count('upstream_rq_retry_overflow')
      return finish(ev, false)
    }
    const wait = retry.backoff(retries + 1, ev.kind === 'response' ? ev.res.headers : undefined, x.clock(), x.random)
    // The route timeout covers every attempt: no retry that could not start before it fires.
    if (Date.now() + wait.ms >= x.deadline) return finish(ev, false)
    stats.counter(rt.stat.of(`upstream_rq_retry_backoff_${wait.kind}`))
    st.rqPending++
    st.retriesActive++ // the retry holds its budget slot while it waits
    const aborted = await sleep(wait.ms, x.signal)
    st.rqPending--
    st.retriesActive--
    if (aborted) {
      const cause = abortCause(x.signal)
      return finish({ kind: 'failed', attempt: ev.attempt, code: TIMEOUT, cause, message: 'aborted during the retry back-off' }, false)
    }
    const next = launch(true)
    if (next === 'none') return finish(ev, false)
    if (next) {
      dispose(last)
      return { kind: 'local', response: next }
    }
  }
}
