/**
 * @module The upstream config schemas with their defaults: Envoy CircuitBreakers thresholds and the sharing knobs
 * (cluster fields, with every cluster feature's own fields from src/upstream/features/), and Envoy RetryPolicy
 * (`retry_policy` on forward actions and virtual hosts). Wired into src/config/schema.ts.
 */
import * as z from 'zod'
import { duration, headerMatch, headerName, percent, positiveCount as count, positiveDuration } from '../config/primitives.ts'
import { featureFields } from './features/index.ts'

export { failureRateBreaker, type FailureRateBreakerConfig } from './features/failure-rate-breaker.ts'
export { healthCheck, type HealthCheckConfig } from './features/health-check.ts'
export { outlierDetection, type OutlierDetectionConfig } from './features/outlier-detection.ts'

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
 * Extra cluster fields: the per-isolate circuit-breaker thresholds, every cluster feature's fields
 * (src/upstream/features/), panic mode and the sharing knobs. All optional, so a cluster without them costs nothing
 * and never talks to a Durable Object.
 */
export const clusterResilienceFields = {
  /** Envoy circuit-breaker thresholds, per isolate. @default max_requests 1024, max_pending_requests 1024, max_retries 3 */
  circuit_breakers: circuitBreakers.optional(),
  ...featureFields,
  /** Below this % of available endpoints, balance across all of them (Envoy panic mode); 0 disables. @default 50 */
  healthy_panic_threshold: z.number().min(0).max(100).optional(),
  /** How often isolates refresh and report the shared state. @default snapshot_ttl 1s, report_interval 1s */
  state_sync: stateSync.optional(),
}
