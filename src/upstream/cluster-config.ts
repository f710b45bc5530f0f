/**
 * @module Cluster resilience schemas: Envoy CircuitBreakers thresholds, a resilience4j failure-rate breaker,
 * Envoy OutlierDetection and an HTTP HealthCheck. Envoy names and defaults unless a comment says otherwise.
 */
import * as z from 'zod'
import { duration } from '../config/primitives.ts'

const count = z.number().int().min(1)
const percent = z.number().min(0).max(100)
const positiveDuration = duration.refine((ms) => ms > 0, 'must be greater than 0')

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
