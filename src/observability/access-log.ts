/**
 * @module Access log: one JSON line per request through `console.log` (Workers Logs and Logpush collect it),
 * with Envoy's fields (`%START_TIME%`, `%RESPONSE_FLAGS%`, `%UPSTREAM_HOST%`, `%DURATION%`, …). Fields and
 * sampling come from `observability.access_log`, compiled once per config version.
 */
import { ACCESS_LOG_FIELDS, type AccessLogField, type AccessLogSettings } from './config.ts'

/**
 * The request summary: what the observer gathers once per request, after the pipeline, for the access log and the
 * Analytics Engine sink (analytics.ts). Keys are the access-log field names; absent values are null.
 */
export interface RequestFacts {
  start_time: string
  method: string
  authority: string
  /** Without the query. */
  path: string
  protocol: string | null
  status: number
  /** Comma-separated Envoy flags, or "-" (Envoy's "no flags"). */
  response_flags: string
  vhost: string | null
  route: string | null
  cluster: string | null
  upstream_host: string | null
  /** 0 when no upstream was tried. */
  attempt_count: number
  /** Until the response headers (the body may still be streaming). */
  duration_ms: number
  upstream_duration_ms: number | null
  /** From Content-Length; null when the body is streamed without one. */
  bytes_received: number | null
  bytes_sent: number | null
  request_id: string
  trace_id: string | null
  client_address: string
  user_agent: string | null
  /** `request.cf.country` (not an access-log field). */
  country: string | null
}

export interface AccessLogger {
  /** Whether this response gets a line (errors always, when configured; successes sampled). */
  sample(status: number): boolean
  /** The line for a request, with the configured fields in order. */
  format(facts: RequestFacts): string
}

/** What every line starts with; `format` appends the fields to it. */
const LINE_START = '{"level":"info","msg":"access",'

/** Compiles the access-log settings (once per config version). */
export function createAccessLogger(settings: AccessLogSettings, random: () => number = Math.random): AccessLogger {
  // JSON.stringify with a key list writes those keys only, in the list's order. No fact is undefined, so the
  // object is never empty and the slice only drops its opening brace.
  const keys: AccessLogField[] = ACCESS_LOG_FIELDS.filter((f) => settings.fields.includes(f))
  return {
    sample: createStatusSampler(settings.enabled, settings.always_log_errors, settings.sample_successes_percent, random),
    format: (facts) => LINE_START + JSON.stringify(facts, keys).slice(1),
  }
}

/**
 * Which responses a sink writes: none when disabled; every status ≥ 400 when `alwaysErrors`; otherwise a
 * `percent` share (0–100), with one `random()` draw per decision when 0 < percent < 100. Shared by the access log and the
 * Analytics Engine sink so their sampling means the same.
 */
export function createStatusSampler(enabled: boolean, alwaysErrors: boolean, percent: number, random: () => number): (status: number) => boolean {
  if (!enabled) return () => false
  const sampled = () => percent >= 100 || (percent > 0 && random() * 100 < percent)
  return (status) => (status >= 400 && alwaysErrors) || sampled()
}

/** A Content-Length header as a number, or null. */
export function contentLength(headers: Headers): number | null {
  const v = headers.get('content-length')
  if (v === null) return null
  const n = Number(v)
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}
