/**
 * @module Flight recorder logic, shared by the isolate side (recorder-client.ts) and the Recorder Durable
 * Object: request summaries, trigger rules compiled once per config version, and the batch/snapshot shapes.
 */
import type { RecorderSettings, RecorderTrigger } from './recorder-config.ts'

/** One request, as kept in a route's ring buffer. */
export interface RequestSummary {
  /** ms since the epoch. */
  at: number
  request_id: string
  trace_id: string | null
  method: string
  path: string
  status: number
  response_flags: string
  duration_ms: number
  upstream_ms: number | null
  cluster: string | null
  upstream_host: string | null
  attempts: number
  /** The config version that served it (stable, canary or a preview). */
  config_version: number | null
  /** The trigger this request fired, if any. */
  trigger?: string
}

/** What an isolate sends to a route's Recorder: summaries and the settings the object applies. */
export interface RecorderBatch {
  route: string
  summaries: RequestSummary[]
  buffer_size: number
  capture_after: number
  max_snapshots: number
  /** Cooldown (ms) per trigger name. */
  cooldowns: Record<string, number>
}

/** A frozen snapshot: the buffer up to the event, then up to `capture_after` summaries after it. */
export interface RecorderSnapshot {
  id: string
  route: string
  trigger: string
  at: number
  event: RequestSummary
  before: RequestSummary[]
  after: RequestSummary[]
  /** Still collecting `after` summaries. */
  collecting: boolean
}

/** What the index keeps per snapshot, for the list view. */
export type SnapshotMeta = Pick<RecorderSnapshot, 'id' | 'route' | 'trigger' | 'at'> & { status: number; path: string }

/** The Durable Object name for a route's recorder, and for the index of snapshots. */
export const recorderName = (route: string) => `route:${route}`
export const RECORDER_INDEX = 'index'

/** What a trigger sees about a request. */
export interface TriggerInput {
  status: number
  durationMs: number
  headers: Headers
  route: string
  /** Requests and errors (status ≥ 500) of this route in this isolate since its last batch. */
  window: { total: number; errors: number }
}

export interface CompiledTrigger {
  name: string
  cooldownMs: number
  matches(input: TriggerInput): boolean
}

/** Compiles trigger rules: every condition a rule sets must hold. */
export function compileTriggers(triggers: readonly RecorderTrigger[]): CompiledTrigger[] {
  return triggers.map((t) => {
    const checks: ((i: TriggerInput) => boolean)[] = []
    if (t.routes) {
      const routes = new Set(t.routes)
      checks.push((i) => routes.has(i.route))
    }
    if (t.status_class) {
      const cls = Number(t.status_class[0])
      checks.push((i) => ((i.status / 100) | 0) === cls)
    }
    if (t.statuses) {
      const statuses = new Set(t.statuses)
      checks.push((i) => statuses.has(i.status))
    }
    if (t.latency_over !== undefined) {
      const over = t.latency_over
      checks.push((i) => i.durationMs > over)
    }
    if (t.header_present) {
      const name = t.header_present.toLowerCase()
      checks.push((i) => i.headers.has(name))
    }
    if (t.error_rate_percent !== undefined) {
      const { error_rate_percent: pct, min_requests: min } = t
      checks.push((i) => i.window.total >= min && (i.window.errors * 100) / i.window.total >= pct)
    }
    return { name: t.name, cooldownMs: t.cooldown, matches: (i) => checks.every((c) => c(i)) }
  })
}

/** The per-batch settings derived from the config. */
export function batchSettings(settings: RecorderSettings): Omit<RecorderBatch, 'route' | 'summaries'> {
  return {
    buffer_size: settings.buffer_size,
    capture_after: settings.capture_after,
    max_snapshots: settings.max_snapshots,
    cooldowns: Object.fromEntries(settings.triggers.map((t) => [t.name, t.cooldown])),
  }
}
