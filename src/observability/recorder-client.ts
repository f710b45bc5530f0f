/**
 * @module Flight recorder, isolate side. Each request of a route is checked against the trigger rules; a
 * sample of requests (and every request that fires a trigger) is summarized into a per-route batch. Batches go
 * to the route's Recorder Durable Object in `waitUntil`: at most once per `flush_interval` per route, or at
 * once when a trigger fires. Summaries lost with an evicted isolate or a failed call are not retried: this is
 * sampled telemetry, and nothing leaves the gateway unless a trigger fires and someone asks.
 */
import type { Env } from '../env.ts'
import type { RequestContext } from '../context.ts'
import { batchSettings, type CompiledTrigger, compileTriggers, recorderName, type RequestSummary } from './recorder.ts'
import type { RecorderSettings } from './recorder-config.ts'

/** One request as the observer hands it to the recorder. */
export interface RecorderInput {
  rc: RequestContext
  request: Request
  status: number
  flags: string
  durationMs: number
  upstream: { cluster?: string; endpoint?: string; ms?: number; attempts?: number } | undefined
  requestId: string
  traceId: string | undefined
  /** The config version that served the request. */
  version: number | undefined
}

export interface RecorderClient {
  note(settings: RecorderSettings, input: RecorderInput, env: Env, waitUntil: (p: Promise<unknown>) => void): void
}

interface RouteState {
  pending: RequestSummary[]
  window: { total: number; errors: number }
  lastSentAt: number
  /** Trigger name → time its local cooldown ends. */
  quietUntil: Map<string, number>
}

const MAX_ROUTES = 10_000

export function createRecorderClient(options: { now: () => number; random: () => number }): RecorderClient {
  const { now, random } = options
  const triggersFor = new WeakMap<RecorderSettings, CompiledTrigger[]>()
  const routes = new Map<string, RouteState>()

  function send(route: string, state: RouteState, settings: RecorderSettings, env: Env, waitUntil: (p: Promise<unknown>) => void) {
    const summaries = state.pending
    state.pending = []
    state.window = { total: 0, errors: 0 }
    state.lastSentAt = now()
    if (!summaries.length) return
    const batch = { route, summaries, ...batchSettings(settings) }
    waitUntil(
      env.RECORDER.getByName(recorderName(route))
        .record(batch)
        .catch((e: Error) => console.warn(JSON.stringify({ level: 'warn', msg: 'flight recorder batch lost', route, error: e.message })))
    )
  }

  return {
    note(settings, input, env, waitUntil) {
      let triggers = triggersFor.get(settings)
      if (!triggers) triggersFor.set(settings, (triggers = compileTriggers(settings.triggers)))
      const { rc, status } = input
      const route = rc.routeName
      const t = now()
      let state = routes.get(route)
      if (!state) {
        if (routes.size >= MAX_ROUTES) routes.clear()
        routes.set(route, (state = { pending: [], window: { total: 0, errors: 0 }, lastSentAt: t, quietUntil: new Map() }))
      }
      state.window.total++
      if (status >= 500) state.window.errors++
      let fired: string | undefined
      for (const trigger of triggers) {
        if ((state.quietUntil.get(trigger.name) ?? 0) > t) continue
        if (!trigger.matches({ status, durationMs: input.durationMs, headers: input.request.headers, route, window: state.window })) continue
        fired = trigger.name
        state.quietUntil.set(trigger.name, t + trigger.cooldownMs)
        break
      }
      if (fired !== undefined || random() * 100 < settings.sample_percent) {
        if (state.pending.length >= settings.buffer_size) state.pending.shift()
        state.pending.push(toSummary(input, t, fired))
      }
      if (fired !== undefined || t - state.lastSentAt >= settings.flush_interval) send(route, state, settings, env, waitUntil)
    },
  }
}

function toSummary(input: RecorderInput, at: number, trigger: string | undefined): RequestSummary {
  const up = input.upstream
  return {
    at,
    request_id: input.requestId,
    trace_id: input.traceId ?? null,
    method: input.request.method,
    path: input.rc.url.pathname,
    status: input.status,
    response_flags: input.flags,
    duration_ms: input.durationMs,
    upstream_ms: up?.ms ?? null,
    cluster: up?.cluster ?? null,
    upstream_host: up?.endpoint ?? null,
    attempts: up ? (up.attempts ?? 1) : 0,
    config_version: input.version ?? null,
    ...(trigger !== undefined ? { trigger } : {}),
  }
}
