/**
 * @module Observability settings (top-level `observability:` in the route table): stats flushing, access log,
 * tracing, flight recorder, Workers Analytics Engine data points. Every field has a default, so
 * `observability: {}` (or no key) is valid.
 */
import * as z from 'zod'
import { duration } from '../config/primitives.ts'
import { recorderSettings } from './recorder-config.ts'

const percent = z.number().min(0).max(100)

/** How each isolate flushes its stats to the sharded Stats Durable Objects. */
export const statsSettings = z.strictObject({
  /**
   * Record stats. Off: filters, the core and the upstream code record into a no-op, and nothing is flushed
   * (for benchmarks and for gateways that export elsewhere). @default true
   */
  enabled: z.boolean().default(true),
  /** Flush at most this often, in `ctx.waitUntil` of a request. @default 5s (Envoy stats_flush_interval) */
  flush_interval: duration.refine((ms) => ms >= 1000, 'at least 1s').default(5_000),
  /**
   * Also flush once this many requests were recorded since the last flush, even before `flush_interval`.
   * Bounds what an evicted isolate can lose. 0 turns it off. @default 10000
   */
  flush_threshold_requests: z.number().int().min(0).default(10_000),
  /**
   * Stats Durable Objects (`stats-0` … `stats-<n-1>`); each isolate flushes to one of them, chosen by its id,
   * and the admin API reads all of them. Only ever raise it: lowering it hides what the removed shards hold.
   * @default 4
   */
  shards: z.number().int().min(1).max(64).default(4),
})

/** Access-log fields, in output order. */
export const ACCESS_LOG_FIELDS = [
  'start_time',
  'method',
  'authority',
  'path',
  'protocol',
  'status',
  'response_flags',
  'vhost',
  'route',
  'cluster',
  'upstream_host',
  'attempt_count',
  'duration_ms',
  'upstream_duration_ms',
  'bytes_received',
  'bytes_sent',
  'request_id',
  'trace_id',
  'client_address',
  'user_agent',
  'config_version',
] as const
export type AccessLogField = (typeof ACCESS_LOG_FIELDS)[number]

/** One JSON line per request through `console.log` (Workers Logs / Logpush pick it up). */
export const accessLogSettings = z.strictObject({
  /** @default true */
  enabled: z.boolean().default(true),
  /** Which fields each line carries, in this fixed order. @default every field */
  fields: z.array(z.enum(ACCESS_LOG_FIELDS)).min(1).default([...ACCESS_LOG_FIELDS]),
  /** Log every request answered with a status ≥ 400, whatever the sampling. @default true */
  always_log_errors: z.boolean().default(true),
  /** Share of successful requests (status < 400) logged, 0–100. @default 100 */
  sample_successes_percent: percent.default(100),
})

/** W3C Trace Context (traceparent/tracestate). */
export const tracingSettings = z.strictObject({
  /** Propagate an incoming `traceparent` (new span id, same trace) or start a trace. @default true */
  enabled: z.boolean().default(true),
  /** Share of traces the gateway starts that are marked sampled (Envoy random_sampling). @default 100 */
  sample_percent: percent.default(100),
  /** Add `Server-Timing: gateway;dur=…, upstream;dur=…` to responses (visible to browsers). @default false */
  server_timing: z.boolean().default(false),
})

/** One Workers Analytics Engine data point per request (layout in analytics.ts, docs/observability.md). */
export const analyticsEngineSettings = z.strictObject({
  /** Off by default: it needs an `[[analytics_engine_datasets]]` binding in wrangler.toml. @default false */
  enabled: z.boolean().default(false),
  /** The dataset binding the points are written to. @default "ANALYTICS" */
  binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a binding name such as ANALYTICS').default('ANALYTICS'),
  /**
   * Share of the other requests (status < 400, or every request without `always_write_errors`) written, 0–100.
   * AE's `_sample_interval` does not know about this sampling: scale those counts by 100 / sample_percent.
   * @default 100
   */
  sample_percent: percent.default(100),
  /** Write a point for every response with a status ≥ 400, whatever the sampling. @default true */
  always_write_errors: z.boolean().default(true),
})

export const observabilitySettings = z.strictObject({
  stats: statsSettings.prefault({}),
  access_log: accessLogSettings.prefault({}),
  tracing: tracingSettings.prefault({}),
  recorder: recorderSettings.prefault({}),
  analytics_engine: analyticsEngineSettings.prefault({}),
})
export type ObservabilitySettings = z.output<typeof observabilitySettings>
export type StatsSettings = z.output<typeof statsSettings>
export type AccessLogSettings = z.output<typeof accessLogSettings>
export type TracingSettings = z.output<typeof tracingSettings>
export type AnalyticsEngineSettings = z.output<typeof analyticsEngineSettings>

/** The settings used before any config is loaded (and by `observability: {}`). */
export const DEFAULT_OBSERVABILITY: ObservabilitySettings = observabilitySettings.parse({})
