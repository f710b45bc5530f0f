/**
 * @module Retry policy, compiled once per config version: which outcomes are retried (Envoy `retry_on`), which
 * requests may be retried at all, and how long to wait before the next attempt.
 */
import { compileHeaderMatch } from '../../router/matchers.ts'
import { exponentialBackoff, type Random, rateLimitedBackoff, type ResetHeader } from './backoff.ts'
import type { RetryPolicyConfig } from '../schema.ts'

/** Attempt outcome codes besides HTTP statuses: no response at all, or no headers before a timeout. */
export const RESET = 0
export const TIMEOUT = -1

/** What one attempt produced: a status (100–599), RESET or TIMEOUT. */
export type OutcomeCode = number

/** True for outcomes that count against an endpoint or the breaker: 5xx, resets, timeouts. Never local replies. */
export const isFailure = (code: OutcomeCode) => code >= 500 || code <= RESET
/** Envoy's gateway errors: 502, 503, 504, plus resets and timeouts (local-origin failures). */
export const isGatewayFailure = (code: OutcomeCode) => code === 502 || code === 503 || code === 504 || code <= RESET

/** RFC 9110 §9.2.2 idempotent methods. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

/** A compiled retry policy. */
export interface RetryPlan {
  numRetries: number
  /** 0: no per-try timeout. */
  perTryTimeoutMs: number
  hedge: boolean
  previousHosts: boolean
  bufferLimit: number
  attemptCountUpstream: boolean
  attemptCountDownstream: boolean
  /** Whether this request may be retried at all (method, retriable_request_headers). */
  requestAllowed(method: string, headers: Headers): boolean
  /** Whether an attempt's outcome is retriable. `headers` is the response's, when there is one. */
  retriable(code: OutcomeCode, headers?: Headers): boolean
  /** Wait before retry n (1-based); `kind` tells which back-off applied (for stats). */
  backoff(retry: number, response: Headers | undefined, nowMs: number, random: Random): { ms: number; kind: 'exponential' | 'ratelimited' }
}

/** Compiles a parsed `retry_policy`. */
export function compileRetryPolicy(p: RetryPolicyConfig): RetryPlan {
  const on = new Set(p.retry_on)
  const on5xx = on.has('5xx')
  const onGateway = on.has('gateway-error')
  // Workers' fetch reports a refused connection and a reset before headers alike: connect-failure covers both.
  const onReset = on5xx || onGateway || on.has('reset') || on.has('connect-failure')
  const onTimeout = on5xx || onGateway || on.has('reset')
  const on409 = on.has('retriable-4xx')
  const codes = on.has('retriable-status-codes') ? new Set(p.retriable_status_codes) : new Set<number>()
  const headerMatchers = on.has('retriable-headers') ? p.retriable_headers.map(compileHeaderMatch) : []
  const requestMatchers = p.retriable_request_headers.map(compileHeaderMatch)
  const base = p.retry_back_off?.base_interval ?? 25
  const max = p.retry_back_off?.max_interval ?? base * 10
  const rl = p.rate_limited_retry_back_off
  const resetHeaders: ResetHeader[] = rl?.reset_headers.map((h) => ({ name: h.name.toLowerCase(), format: h.format })) ?? []

  return {
    numRetries: p.num_retries,
    perTryTimeoutMs: p.per_try_timeout ?? 0,
    hedge: p.hedge_on_per_try_timeout,
    previousHosts: p.retry_host_predicate.includes('previous_hosts'),
    bufferLimit: p.per_request_buffer_limit_bytes,
    attemptCountUpstream: p.include_request_attempt_count,
    attemptCountDownstream: p.include_attempt_count_in_response,
    requestAllowed(method, headers) {
      if (!p.retry_non_idempotent && !IDEMPOTENT.has(method)) return false
      return requestMatchers.every((m) => m(headers))
    },
    retriable(code, headers) {
      if (code === RESET) return onReset
      if (code === TIMEOUT) return onTimeout
      // An upstream that says it is overloaded is never retried (Envoy).
      if (headers?.has('x-envoy-overloaded')) return false
      if (on5xx && code >= 500) return true
      if (onGateway && (code === 502 || code === 503 || code === 504)) return true
      if (on409 && code === 409) return true
      if (codes.has(code)) return true
      return headers !== undefined && headerMatchers.some((m) => m(headers))
    },
    backoff(retry, response, nowMs, random) {
      if (rl && response) {
        const ms = rateLimitedBackoff(response, resetHeaders, rl.max_interval, nowMs, random)
        if (ms !== undefined) return { ms, kind: 'ratelimited' }
      }
      return { ms: exponentialBackoff(retry, base, max, random), kind: 'exponential' }
    },
  }
}
