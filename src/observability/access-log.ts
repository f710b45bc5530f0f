/**
 * @module Access log: one JSON line per request through `console.log` (Workers Logs and Logpush collect it),
 * with Envoy's fields (`%START_TIME%`, `%RESPONSE_FLAGS%`, `%UPSTREAM_HOST%`, `%DURATION%`, …). Fields and
 * sampling come from `observability.access_log`, compiled once per config version.
 */
import { ACCESS_LOG_FIELDS, type AccessLogField, type AccessLogSettings } from './config.ts'

/** What one line is built from; every value is already computed by the observer. */
export interface AccessLogEntry {
  level: 'info'
  msg: 'access'
  start_time: string
  method: string
  authority: string
  path: string
  protocol: string | null
  status: number
  /** Comma-separated Envoy flags, or "-" (Envoy's "no flags"). */
  response_flags: string
  vhost: string | null
  route: string | null
  cluster: string | null
  upstream_host: string | null
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
}

export interface AccessLogger {
  /** Whether this response gets a line (errors always, when configured; successes sampled). */
  sample(status: number): boolean
  /** The line for an entry, with the configured fields in order. */
  format(entry: AccessLogEntry): string
}

/** Compiles the access-log settings (once per config version). */
export function createAccessLogger(settings: AccessLogSettings, random: () => number = Math.random): AccessLogger {
  const all = settings.fields.length === ACCESS_LOG_FIELDS.length && new Set(settings.fields).size === ACCESS_LOG_FIELDS.length
  const fields: readonly AccessLogField[] = ACCESS_LOG_FIELDS.filter((f) => settings.fields.includes(f))
  const percent = settings.sample_successes_percent
  const sampled = () => percent >= 100 || (percent > 0 && random() * 100 < percent)
  return {
    sample(status) {
      if (!settings.enabled) return false
      if (status >= 400 && settings.always_log_errors) return true
      return sampled()
    },
    format(entry) {
      if (all) return JSON.stringify(entry)
      const line: Record<string, unknown> = { level: 'info', msg: 'access' }
      for (const f of fields) line[f] = entry[f]
      return JSON.stringify(line)
    },
  }
}

/** A Content-Length header as a number, or null. */
export function contentLength(headers: Headers): number | null {
  const v = headers.get('content-length')
  if (v === null) return null
  const n = Number(v)
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}
