/**
 * @module Flight recorder settings (`observability.recorder`): which requests are summarized into the per-route
 * ring buffers, and the trigger rules that freeze a snapshot of a buffer around an event.
 */
import * as z from 'zod'
import { duration, headerName } from '../config/primitives.ts'

/** A trigger fires when every condition it sets holds for one request (at least one condition). */
export const recorderTrigger = z
  .strictObject({
    /** Names the snapshots it freezes. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'trigger names use letters, digits, "_", "." and "-" (max 64)'),
    /** Response status class, e.g. `5xx`. */
    status_class: z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']).optional(),
    /** Exact response statuses, e.g. `[502, 503]`. */
    statuses: z.array(z.number().int().min(100).max(599)).min(1).optional(),
    /** Time to response headers above this. */
    latency_over: duration.optional(),
    /** A request header is present (e.g. `x-debug-record`). */
    header_present: headerName.optional(),
    /**
     * Share of errors (status ≥ 500) among this route's requests in the isolate since its last recorder batch,
     * in percent; evaluated once `min_requests` were seen.
     */
    error_rate_percent: z.number().min(0).max(100).optional(),
    /** Requests needed before `error_rate_percent` is evaluated. @default 20 */
    min_requests: z.number().int().min(1).default(20),
    /** Only these routes (names); all routes when absent. */
    routes: z.array(z.string().min(1)).min(1).optional(),
    /** After firing for a route, this trigger is quiet for that route for this long. @default 1m */
    cooldown: duration.default(60_000),
  })
  .refine(
    (t) => t.status_class !== undefined || t.statuses !== undefined || t.latency_over !== undefined || t.header_present !== undefined || t.error_rate_percent !== undefined,
    'set at least one condition: status_class, statuses, latency_over, header_present or error_rate_percent'
  )
export type RecorderTrigger = z.output<typeof recorderTrigger>

export const recorderSettings = z.strictObject({
  /** Off by default: summaries of live traffic stay at the edge only when asked for. @default false */
  enabled: z.boolean().default(false),
  /** Share of requests summarized into the ring buffers (requests that fire a trigger always are). @default 10 */
  sample_percent: z.number().min(0).max(100).default(10),
  /** Summaries kept per route (the ring buffer). @default 200, max 2000 */
  buffer_size: z.number().int().min(10).max(2000).default(200),
  /** Summaries added to a snapshot after its event, so it shows what happened next. @default 20 */
  capture_after: z.number().int().min(0).max(500).default(20),
  /** Snapshots kept per route; the oldest go first. @default 20 */
  max_snapshots: z.number().int().min(1).max(200).default(20),
  /** How often an isolate sends its batched summaries (a trigger sends at once). @default 5s */
  flush_interval: duration.refine((ms) => ms >= 1000, 'at least 1s').default(5_000),
  /** Trigger rules. @default [] */
  triggers: z.array(recorderTrigger).max(32).default([]),
})
export type RecorderSettings = z.output<typeof recorderSettings>
