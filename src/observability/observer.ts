/**
 * @module The observability of one request, around the pipeline: `begin` makes the trace context, `finish`
 * records the downstream and route stats, writes the access-log line and the Analytics Engine data point, feeds
 * the flight recorder, adds Server-Timing, and schedules the stats flush. The hot path is Map updates and one
 * clock read; the request summary is gathered only when a line or a point is written; the settings are compiled
 * once per config version.
 */
import type { Env } from '../env.ts'
import type { RequestContext, UpstreamOutcome } from '../context.ts'
import { peerAddress } from '../http/client.ts'
import { isoTime } from '../lib/iso-time.ts'
import { FLAGS_HEADER } from '../http/problem.ts'
import { type AccessLogger, authorityAndPath, contentLength, createAccessLogger, type RequestFacts } from './access-log.ts'
import { type AnalyticsEngineSink, createAnalyticsEngineSink } from './analytics.ts'
import { DEFAULT_OBSERVABILITY, type ObservabilitySettings } from './config.ts'
import type { StatsFlusher } from './flush.ts'
import type { RecorderClient } from './recorder-client.ts'
import { routeStatNames, DOWNSTREAM } from './stat-names.ts'
import { NOOP_STATS, type Stats, type StatsStore } from './stats.ts'
import { type TraceContext, traceContextFor } from './tracing.ts'
import { PREVIEW_VERSION_HEADER } from '../rollout/preview.ts'
import { recordRolloutSample } from '../rollout/stats.ts'

/** Filled in by the pipeline once it has built the request context (absent for replies before routing). */
export interface RequestRecord {
  rc?: RequestContext
}


interface Compiled {
  settings: ObservabilitySettings
  accessLog: AccessLogger
  analytics: AnalyticsEngineSink
}

export interface RequestObservation {
  startedAt: number
  /** Where this request records: the isolate's store, or a no-op when `observability.stats.enabled` is false. */
  stats: Stats
  trace: TraceContext | undefined
  record: RequestRecord
  compiled: Compiled
  /** The config version that served the request (absent before any config). */
  version: number | undefined
  /** A rollout is running: the request is counted under its version's `rollout.v<N>.*` stats. */
  labelled: boolean
}

/**
 * What the observer reads of a config snapshot (src/snapshot/compile.ts `Snapshot` is one): its observability
 * settings, compiled once per snapshot object. Structural, so observability imports nothing from the compiler.
 */
export interface ObservedSnapshot {
  /** Named on every response (x-legate-config-version), access-log line and rollout stat. */
  readonly version: number
  readonly observability?: ObservabilitySettings | undefined
}

export interface ObserverOptions {
  stats: StatsStore
  flusher: StatsFlusher
  recorder?: RecorderClient
  now: () => number
  random: () => number
}

export function createObserver(options: ObserverOptions) {
  const { stats, flusher, recorder, now, random } = options
  const compiledBySnapshot = new WeakMap<ObservedSnapshot, Compiled>()
  const compile = (settings: ObservabilitySettings): Compiled => ({
    settings,
    accessLog: createAccessLogger(settings.access_log, random),
    analytics: createAnalyticsEngineSink(settings.analytics_engine, random),
  })
  const fallback = compile(DEFAULT_OBSERVABILITY)

  function compiledFor(snapshot: ObservedSnapshot | undefined): Compiled {
    if (!snapshot) return fallback
    let c = compiledBySnapshot.get(snapshot)
    if (!c) {
      c = compile(snapshot.observability ?? DEFAULT_OBSERVABILITY)
      compiledBySnapshot.set(snapshot, c)
    }
    return c
  }

  return {
    /** Before the pipeline: the trace context (sent upstream by the pipeline). */
    begin(request: Request, snapshot: ObservedSnapshot | undefined, startedAt: number, labelled = false): RequestObservation {
      try {
        const compiled = compiledFor(snapshot)
        const tracing = compiled.settings.tracing
        const trace = tracing.enabled ? traceContextFor(request.headers, tracing, random) : undefined
        const recording = compiled.settings.stats.enabled ? stats : NOOP_STATS
        // Every field in one literal: one object shape for every request (finish reads them all).
        return { startedAt, stats: recording, trace, record: {}, compiled, version: snapshot?.version, labelled }
      } catch (e) {
        // The gateway calls begin() again outside its try after a failure: it must not throw either.
        console.error(JSON.stringify({ level: 'error', msg: 'observability failed to begin a request', error: String((e as Error)?.stack ?? e) }))
        return { startedAt, stats: NOOP_STATS, trace: undefined, record: {}, compiled: fallback, version: undefined, labelled: false }
      }
    },

    /** After the pipeline: stats, access log, Analytics Engine point, recorder, Server-Timing, flush. Never throws. */
    finish(obs: RequestObservation, request: Request, response: Response, requestId: string, env: Env, waitUntil: (p: Promise<unknown>) => void): Response {
      try {
        const durationMs = now() - obs.startedAt
        const status = response.status
        const cls = status >= 100 && status < 600 ? (status / 100) | 0 : 5
        const rc = obs.record.rc
        const { settings, accessLog, analytics } = obs.compiled
        const statsOn = settings.stats.enabled
        if (statsOn) {
          stats.counter(DOWNSTREAM.total)
          stats.counter(DOWNSTREAM.classes[cls]!)
          stats.histogram(DOWNSTREAM.time, durationMs)
          stats.counter(rc?.upstream ? DOWNSTREAM.proxied : DOWNSTREAM.local)
          if (rc) {
            const names = routeStatNames(rc.vhostName, rc.routeName)
            stats.counter(names.total)
            stats.counter(names.classes[cls]!)
            stats.histogram(names.time, durationMs)
          }
          if (obs.labelled)
            recordRolloutSample(stats, obs.version!, status, durationMs, rc?.upstream !== undefined, rc?.vhostName, rc?.routeName)
        }
        const up = rc?.upstream
        let flags: string | undefined
        const headers = response.headers // an accessor call: read once
        const flagsOf = () => (flags ??= headers.get(FLAGS_HEADER) ?? (rc?.flags.size ? [...rc.flags].join(',') : '-'))
        // Before routing, the only 404 is "no route" (bad paths are 400, no config 503).
        if (statsOn && !rc && status === 404) stats.counter(DOWNSTREAM.noRoute)
        const logged = accessLog.sample(status)
        const pointed = analytics.sample(status)
        if (logged || pointed) {
          const facts = summarize(obs, request, status, headers, flagsOf(), up, durationMs, requestId)
          if (logged) console.log(accessLog.format(facts))
          if (pointed) analytics.write(env, facts, obs.stats)
        }
        if (recorder && settings.recorder.enabled && rc)
          recorder.note(settings.recorder, { rc, request, status, flags: flagsOf(), durationMs, upstream: up, requestId, traceId: obs.trace?.traceId, version: obs.version }, env, waitUntil)
        if (settings.tracing.server_timing && status !== 101) response = withServerTiming(response, durationMs, up?.ms)
        // Which version answered (rollouts, previews); the pipeline's responses all have mutable headers.
        if (obs.version !== undefined && status !== 101) headers.set(PREVIEW_VERSION_HEADER, String(obs.version))
        if (statsOn) flusher.maybeFlush(env, waitUntil, settings.stats)
      } catch (e) {
        console.error(JSON.stringify({ level: 'error', msg: 'observability failed for a request', request_id: requestId, error: String((e as Error)?.stack ?? e) }))
      }
      return response
    },

    compiledFor,
  }
}

/** The request summary shared by the access log and the Analytics Engine sink, gathered once per request. */
function summarize(obs: RequestObservation, request: Request, status: number, responseHeaders: Headers, flags: string, up: UpstreamOutcome | undefined, durationMs: number, requestId: string): RequestFacts {
  const rc = obs.record.rc
  const requestHeaders = request.headers
  const { authority, path } = rc ? { authority: rc.url.host, path: rc.url.pathname } : authorityAndPath(request.url, requestHeaders)
  const cf = (request as { cf?: { httpProtocol?: unknown; country?: unknown } }).cf
  return {
    start_time: isoTime(obs.startedAt),
    method: request.method,
    authority,
    path,
    protocol: typeof cf?.httpProtocol === 'string' ? cf.httpProtocol : null,
    status,
    response_flags: flags,
    vhost: rc?.vhostName ?? null,
    route: rc?.routeName ?? null,
    cluster: up?.cluster ?? null,
    upstream_host: up?.endpoint ?? null,
    attempt_count: up ? (up.attempts ?? 1) : 0,
    duration_ms: durationMs,
    upstream_duration_ms: up?.ms ?? null,
    bytes_received: contentLength(requestHeaders),
    bytes_sent: contentLength(responseHeaders),
    request_id: requestId,
    trace_id: obs.trace?.traceId ?? null,
    config_version: obs.version ?? null,
    client_address: rc?.clientAddress ?? peerAddress(requestHeaders),
    user_agent: requestHeaders.get('user-agent'),
    country: typeof cf?.country === 'string' ? cf.country : null,
  }
}

/** Adds Server-Timing. */
function withServerTiming(response: Response, totalMs: number, upstreamMs: number | undefined): Response {
  const value = upstreamMs === undefined ? `gateway;dur=${totalMs}` : `gateway;dur=${totalMs}, upstream;dur=${upstreamMs}`
  // Every response here has mutable headers: the pipeline's own, or a filter's made mutable by ownedResponse.
  response.headers.append('server-timing', value)
  return response
}

export type Observer = ReturnType<typeof createObserver>
