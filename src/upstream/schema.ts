/**
 * @module The upstream config schemas, in one place with their defaults: Envoy CircuitBreakers thresholds, a
 * resilience4j failure-rate breaker, Envoy OutlierDetection and an HTTP HealthCheck (cluster fields), and Envoy
 * RetryPolicy (`retry_policy` on forward actions and virtual hosts). Wired into src/config/schema.ts.
 */
import * as z from 'zod'
import { duration, headerMatch, headerName, positiveDuration } from '../config/primitives.ts'

const count = z.number().int().min(1)
const percent = z.number().min(0).max(100)

/** Envoy CircuitBreakers.Thresholds (one priority), counted per isolate as Envoy counts per instance. */
export const circuitBreakers = z.strictObject({
  /** Requests in flight to the cluster. Over it: 503 `UO` with `x-envoy-overloaded: true`. @default 1024 */
  max_requests: count.default(1024),
  /** Requests waiting before their first byte goes upstream (buffering a replayable body, retry back-off). @default 1024 */
  max_pending_requests: count.default(1024),
  /** Concurrent retries. Ignored when `retry_budget` is set. @default 3 */
  max_retries: z.number().int().min(0).default(3),
  /** Concurrent retries as a share of active and pending requests; replaces `max_retries`. */
  retry_budget: z
    .strictObject({
      /** @default 20 */
      budget_percent: percent.default(20),
      /** Retries always allowed, whatever the share. @default 3 */
      min_retry_concurrency: z.number().int().min(0).default(3),
    })
    .optional(),
})
export type CircuitBreakersConfig = z.output<typeof circuitBreakers>

/** resilience4j CircuitBreakerConfig (its defaults), shared through the cluster's Durable Object. */
export const failureRateBreaker = z.strictObject({
  /** COUNT_BASED: the last N calls; TIME_BASED: the calls of the last N seconds. @default COUNT_BASED */
  sliding_window_type: z.enum(['COUNT_BASED', 'TIME_BASED']).default('COUNT_BASED'),
  /** N calls or N seconds. @default 100 */
  sliding_window_size: count.max(10_000).default(100),
  /** No decision before this many calls in the window. @default 100 */
  minimum_calls: count.default(100),
  /** Opens when the failure % (5xx, resets, timeouts) is ≥ this. @default 50 */
  failure_rate_threshold: percent.default(50),
  /** A call at least this long is slow. @default 60s */
  slow_call_duration: positiveDuration.default(60_000),
  /** Opens when the slow-call % is ≥ this. @default 100 */
  slow_call_rate_threshold: percent.default(100),
  /** Open for this long, then half-open. @default 60s */
  wait_duration_in_open: positiveDuration.default(60_000),
  /** Calls let through while half-open (per isolate); their failure rate closes or re-opens the breaker. @default 10 */
  permitted_calls_in_half_open: count.default(10),
})
export type FailureRateBreakerConfig = z.output<typeof failureRateBreaker>

/** Envoy OutlierDetection (no split local-origin mode: resets and timeouts count as gateway failures). */
export const outlierDetection = z.strictObject({
  /** @default 5 */
  consecutive_5xx: count.default(5),
  /** Consecutive 502/503/504, resets and timeouts. @default 5 */
  consecutive_gateway_failure: count.default(5),
  /** @default 100 */
  enforcing_consecutive_5xx: percent.default(100),
  /** @default 0 (detected, not enforced, as Envoy) */
  enforcing_consecutive_gateway_failure: percent.default(0),
  /** Sweep for failure-percentage and success-rate ejections; the ejection multiplier decays once per interval. @default 10s */
  interval: positiveDuration.default(10_000),
  /** Ejection time = base × times ejected, capped at max_ejection_time. @default 30s */
  base_ejection_time: positiveDuration.default(30_000),
  /** @default 300s */
  max_ejection_time: positiveDuration.default(300_000),
  /** Never eject past this % of the cluster's endpoints. @default 10 */
  max_ejection_percent: percent.default(10),
  /** Eject one endpoint even when `max_ejection_percent` forbids it. @default false */
  always_eject_one_host: z.boolean().default(false),
  /** @default 85 */
  failure_percentage_threshold: percent.default(85),
  /** @default 0 */
  enforcing_failure_percentage: percent.default(0),
  /** @default 5 */
  failure_percentage_minimum_hosts: z.number().int().min(0).default(5),
  /** @default 50 */
  failure_percentage_request_volume: z.number().int().min(0).default(50),
  /** @default 100 */
  enforcing_success_rate: percent.default(100),
  /** @default 5 */
  success_rate_minimum_hosts: z.number().int().min(0).default(5),
  /** @default 100 */
  success_rate_request_volume: z.number().int().min(0).default(100),
  /** Eject below mean − stdev × factor / 1000. @default 1900 */
  success_rate_stdev_factor: z.number().int().min(0).default(1900),
  /** A passing active health check returns an ejected endpoint at once. @default true */
  successful_active_health_check_uneject_host: z.boolean().default(true),
})
export type OutlierDetectionConfig = z.output<typeof outlierDetection>

const statusRange = z
  .strictObject({
    /** Inclusive. */
    start: z.number().int().min(100).max(599),
    /** Exclusive. */
    end: z.number().int().min(101).max(600),
  })
  .refine((r) => r.end > r.start, 'end must be greater than start')

/** Envoy HealthCheck with http_health_check, flattened: one HTTP check per cluster. */
export const healthCheck = z.strictObject({
  /** Probe path (a query is allowed), e.g. "/healthz". */
  path: z.string().startsWith('/', 'must start with "/"'),
  /** @default GET */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']).default('GET'),
  /** Passing statuses, `[start, end)`. @default [{ start: 200, end: 201 }] */
  expected_statuses: z.array(statusRange).min(1).default([{ start: 200, end: 201 }]),
  /** Failing statuses that count toward `unhealthy_threshold`; any other unexpected status fails at once. */
  retriable_statuses: z.array(statusRange).default([]),
  timeout: positiveDuration,
  interval: positiveDuration,
  /** Up to this much extra wait, at random, per interval. @default 0s */
  interval_jitter: duration.default(0),
  /** Up to this % of the interval extra, at random. @default 0 */
  interval_jitter_percent: percent.default(0),
  unhealthy_threshold: count,
  healthy_threshold: count,
})
export type HealthCheckConfig = z.output<typeof healthCheck>

/** Legate's sharing knobs: how stale the cached shared state may be, how often outcomes are reported. */
export const stateSync = z.strictObject({
  /** Age after which a request triggers a background refresh of the shared snapshot. @default 1s */
  snapshot_ttl: duration.default(1_000),
  /** Outcomes are sent at most this often per isolate (or at 500 buffered). @default 1s */
  report_interval: duration.default(1_000),
})
export type StateSyncConfig = z.output<typeof stateSync>

/** Envoy `retry_on` tokens that a Worker can tell apart (see docs/configuration.md, `retry_policy`). */
export const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'retriable-status-codes',
  'retriable-headers',
] as const
export type RetryOn = (typeof RETRY_ON)[number]


/** Envoy RetryPolicy.retry_back_off: fully jittered exponential back-off. */
const retryBackOff = z.strictObject({
  /** First retry waits in [0, base); retry n in [0, (2^n - 1) × base). @default 25ms */
  base_interval: positiveDuration,
  /** Upper bound of any back-off. @default 10 × base_interval */
  max_interval: positiveDuration.optional(),
})

/** Envoy RetryPolicy.rate_limited_retry_back_off: wait what the upstream asks (Retry-After), within a cap. */
const rateLimitedRetryBackOff = z.strictObject({
  /** Tried in order; the first that parses and is within `max_interval` wins. */
  reset_headers: z
    .array(
      z.strictObject({
        name: headerName,
        /** SECONDS (`Retry-After: 2`) or UNIX_TIMESTAMP (seconds since the epoch). @default SECONDS */
        format: z.enum(['SECONDS', 'UNIX_TIMESTAMP']).default('SECONDS'),
      })
    )
    .min(1),
  /** A longer requested wait is ignored (next header, else exponential back-off). @default 300s */
  max_interval: positiveDuration.default(300_000),
})

/** Envoy RetryPolicy, plus Envoy's route-level retry knobs that only matter with a policy. */
export const retryPolicy = z
  .strictObject({
    /** Comma-separated conditions, e.g. "5xx,reset". */
    retry_on: z
      .string()
      .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
      .pipe(z.array(z.enum(RETRY_ON)).min(1, 'name at least one retry_on condition')),
    /** Retries after the first attempt. @default 1 */
    num_retries: z.number().int().min(0).max(10).default(1),
    /** Timeout of each attempt until its response headers; unset: only the route timeout applies. */
    per_try_timeout: positiveDuration.optional(),
    retry_back_off: retryBackOff.optional(),
    rate_limited_retry_back_off: rateLimitedRetryBackOff.optional(),
    /** Statuses retried with `retriable-status-codes`. */
    retriable_status_codes: z.array(z.number().int().min(100).max(599)).default([]),
    /** Response header matchers for `retriable-headers`; any match retries. */
    retriable_headers: z.array(headerMatch).default([]),
    /** The request must match all of these to be retried at all. */
    retriable_request_headers: z.array(headerMatch).default([]),
    /** `previous_hosts`: a retry goes to an endpoint not tried yet when one is available. @default [previous_hosts] */
    retry_host_predicate: z.array(z.enum(['previous_hosts'])).default(['previous_hosts']),
    /** Retry POST, PATCH and other non-idempotent methods too. @default false (safety) */
    retry_non_idempotent: z.boolean().default(false),
    /** Bodies up to this size are buffered so they can be replayed; larger or unknown-length bodies are sent once. @default 65536 */
    per_request_buffer_limit_bytes: z.number().int().min(0).max(16 * 1024 * 1024).default(65_536),
    /** On a per-try timeout, start a retry without cancelling the attempt; the first good answer wins. @default false */
    hedge_on_per_try_timeout: z.boolean().default(false),
    /** Send `x-envoy-attempt-count` upstream. @default true */
    include_request_attempt_count: z.boolean().default(true),
    /** Send `x-envoy-attempt-count` to the client. @default false */
    include_attempt_count_in_response: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (p.hedge_on_per_try_timeout && p.per_try_timeout === undefined)
      ctx.addIssue({ code: 'custom', path: ['hedge_on_per_try_timeout'], message: 'hedging needs a per_try_timeout' })
    const base = p.retry_back_off?.base_interval
    const max = p.retry_back_off?.max_interval
    if (base !== undefined && max !== undefined && max < base)
      ctx.addIssue({ code: 'custom', path: ['retry_back_off', 'max_interval'], message: 'max_interval must be ≥ base_interval' })
  })
export type RetryPolicyConfig = z.output<typeof retryPolicy>

/**
 * Extra cluster fields: circuit breakers, the shared failure-rate breaker, outlier detection, health checks.
 * All optional, so a cluster without them costs nothing and never talks to a Durable Object.
 */
export const clusterResilienceFields = {
  /** Envoy circuit-breaker thresholds, per isolate. @default max_requests 1024, max_pending_requests 1024, max_retries 3 */
  circuit_breakers: circuitBreakers.optional(),
  /** A failure-rate breaker shared by every isolate (resilience4j semantics). Off unless set. */
  failure_rate_breaker: failureRateBreaker.optional(),
  /** Passive per-endpoint ejection (Envoy OutlierDetection). Off unless set. */
  outlier_detection: outlierDetection.optional(),
  /** Active HTTP health checks run by the cluster's Durable Object. Off unless set. */
  health_check: healthCheck.optional(),
  /** Below this % of available endpoints, balance across all of them (Envoy panic mode); 0 disables. @default 50 */
  healthy_panic_threshold: z.number().min(0).max(100).optional(),
  /** How often isolates refresh and report the shared state. @default snapshot_ttl 1s, report_interval 1s */
  state_sync: stateSync.optional(),
}
