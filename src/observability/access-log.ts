/**
 * @module Access log: one JSON line per request through `console.log` (Workers Logs and Logpush collect it),
 * with Envoy's fields (`%START_TIME%`, `%RESPONSE_FLAGS%`, `%UPSTREAM_HOST%`, `%DURATION%`, …). Fields and
 * sampling come from `observability.access_log`, compiled once per config version.
 */
import { ACCESS_LOG_FIELDS, type AccessLogField, type AccessLogSettings } from './config.ts'
import { tryParseUrl } from '../lib/url.ts'

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
  /** The config version that served the request (stable, canary or a preview). */
  config_version: number | null
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

/** Compiles the access-log settings (once per config version). */
export function createAccessLogger(settings: AccessLogSettings, random: () => number = Math.random): AccessLogger {
  const has = (f: AccessLogField) => settings.fields.includes(f)
  // A literal, not Object.fromEntries: built key by key, an object of 21 keys is a dictionary, and each of the 21
  // reads per line was a generic property load (callgrind with V8's perf map).
  const on = {
    start_time: has('start_time'),
    method: has('method'),
    authority: has('authority'),
    path: has('path'),
    protocol: has('protocol'),
    status: has('status'),
    response_flags: has('response_flags'),
    vhost: has('vhost'),
    route: has('route'),
    cluster: has('cluster'),
    upstream_host: has('upstream_host'),
    attempt_count: has('attempt_count'),
    duration_ms: has('duration_ms'),
    upstream_duration_ms: has('upstream_duration_ms'),
    bytes_received: has('bytes_received'),
    bytes_sent: has('bytes_sent'),
    request_id: has('request_id'),
    trace_id: has('trace_id'),
    client_address: has('client_address'),
    user_agent: has('user_agent'),
    config_version: has('config_version'),
  } satisfies Record<AccessLogField, boolean>
  return {
    sample: createStatusSampler(settings.enabled, settings.always_log_errors, settings.sample_successes_percent, random),
    // One object literal, every field in ACCESS_LOG_FIELDS order, unselected ones undefined (which JSON.stringify
    // leaves out): about 16,600 instructions a line in workerd (callgrind). JSON.stringify(facts, keys) cost
    // 36,000 (a key list sends V8 down its generic path), an object filled key by key 26,700 (past a dozen keyed
    // stores V8 turns it into a dictionary).
    format: (facts) =>
      JSON.stringify({
        level: 'info',
        msg: 'access',
        start_time: on.start_time ? facts.start_time : undefined,
        method: on.method ? facts.method : undefined,
        authority: on.authority ? facts.authority : undefined,
        path: on.path ? facts.path : undefined,
        protocol: on.protocol ? facts.protocol : undefined,
        status: on.status ? facts.status : undefined,
        response_flags: on.response_flags ? facts.response_flags : undefined,
        vhost: on.vhost ? facts.vhost : undefined,
        route: on.route ? facts.route : undefined,
        cluster: on.cluster ? facts.cluster : undefined,
        upstream_host: on.upstream_host ? facts.upstream_host : undefined,
        attempt_count: on.attempt_count ? facts.attempt_count : undefined,
        duration_ms: on.duration_ms ? facts.duration_ms : undefined,
        upstream_duration_ms: on.upstream_duration_ms ? facts.upstream_duration_ms : undefined,
        bytes_received: on.bytes_received ? facts.bytes_received : undefined,
        bytes_sent: on.bytes_sent ? facts.bytes_sent : undefined,
        request_id: on.request_id ? facts.request_id : undefined,
        trace_id: on.trace_id ? facts.trace_id : undefined,
        client_address: on.client_address ? facts.client_address : undefined,
        user_agent: on.user_agent ? facts.user_agent : undefined,
        config_version: on.config_version ? facts.config_version : undefined,
      } satisfies Record<AccessLogField | 'level' | 'msg', unknown>),
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

/**
 * Authority and path (without the query) of a request whose URL may not parse: workerd builds `request.url` from
 * the Host header and the target unchecked. Falls back to the Host header and the raw text after the authority.
 * Never throws.
 */
export function authorityAndPath(rawUrl: string, headers: Headers): { authority: string; path: string } {
  const url = tryParseUrl(rawUrl)
  if (url) return { authority: url.host, path: url.pathname }
  const afterScheme = rawUrl.indexOf('://')
  const slash = afterScheme < 0 ? -1 : rawUrl.indexOf('/', afterScheme + 3)
  const target = slash < 0 ? '' : rawUrl.slice(slash)
  const query = target.search(/[?#]/)
  return { authority: headers.get('host') ?? '', path: query < 0 ? target : target.slice(0, query) }
}
