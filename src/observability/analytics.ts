/**
 * @module Workers Analytics Engine sink (`observability.analytics_engine`): one data point per sampled request,
 * written with `writeDataPoint` (non-blocking, never awaited) to the configured dataset binding, with a fixed
 * layout (ANALYTICS_ENGINE_LAYOUT) that docs/observability.md documents and queries.
 */
import type { Env } from '../env.ts'
import { createStatusSampler, type RequestFacts } from './access-log.ts'
import type { AnalyticsEngineSettings } from './config.ts'
import type { Stats } from './stats.ts'

/** Facts whose value is a number (or null): the only ones a double can carry. */
type NumericFact = { [K in keyof RequestFacts]: RequestFacts[K] extends number | null ? K : never }[keyof RequestFacts]

/**
 * The data point layout, by position: `blobs[n]` is AE SQL's `blob<n+1>`, `doubles[n]` is `double<n+1>`, the
 * index is `index1`. Append only: a moved position changes the meaning of stored points.
 */
export const ANALYTICS_ENGINE_LAYOUT = {
  /** `<vhost>/<route>`, cut to 96 UTF-8 bytes; "-" when no route matched. AE samples by the index. */
  index: '<vhost>/<route>',
  /** Strings: "" when absent, status as text, each cut to 256 characters (so 13 blobs stay far below 16 KB). */
  blobs: [
    'vhost',
    'route',
    'cluster',
    'method',
    'path',
    'status',
    'response_flags',
    'upstream_host',
    'request_id',
    'trace_id',
    'client_address',
    'country',
    'protocol',
  ],
  /** Numbers: -1 when unknown (no upstream duration without an upstream, no Content-Length). */
  doubles: ['status', 'duration_ms', 'upstream_duration_ms', 'attempt_count', 'bytes_received', 'bytes_sent'],
} as const satisfies { index: string; blobs: readonly (keyof RequestFacts)[]; doubles: readonly NumericFact[] }

/** What the sink counts (in the request's stats). */
export const ANALYTICS_ENGINE_STATS = {
  /** Points handed to `writeDataPoint`. */
  points: 'observability.analytics_engine.points',
  /** Points skipped: the binding is absent or is not an Analytics Engine dataset. */
  missingBinding: 'observability.analytics_engine.missing_binding',
  /** Points lost: `writeDataPoint` threw. */
  writeFailed: 'observability.analytics_engine.write_failed',
} as const

/** AE's limit on the index, in UTF-8 bytes. */
export const MAX_INDEX_BYTES = 96
/** Longest blob written, in UTF-16 code units. */
export const MAX_BLOB_CHARS = 256

export interface AnalyticsEngineSink {
  /** Whether this response gets a data point (errors always, when configured; the rest sampled). */
  sample(status: number): boolean
  /** Writes the request's data point to the dataset binding. Never awaits, never throws. */
  write(env: Env, facts: RequestFacts, stats: Stats): void
}

/** Compiles `observability.analytics_engine` (once per config version). */
export function createAnalyticsEngineSink(settings: AnalyticsEngineSettings, random: () => number = Math.random): AnalyticsEngineSink {
  const { binding } = settings
  // One line per compiled settings (config version) and isolate, not one per request.
  let warnedMissing = false
  let warnedFailed = false
  return {
    sample: createStatusSampler(settings.enabled, settings.always_write_errors, settings.sample_percent, random),
    write(env, facts, stats) {
      const dataset = env[binding] as { writeDataPoint?: unknown } | null | undefined
      if (typeof dataset?.writeDataPoint !== 'function') {
        stats.counter(ANALYTICS_ENGINE_STATS.missingBinding)
        if (!warnedMissing) {
          warnedMissing = true
          const msg = `analytics_engine is enabled but the Worker has no Analytics Engine dataset bound as ${binding}: add [[analytics_engine_datasets]] binding = "${binding}" dataset = "legate_requests" to wrangler.toml. Data points are skipped until then.`
          console.warn(JSON.stringify({ level: 'warn', msg, binding }))
        }
        return
      }
      try {
        ;(dataset as AnalyticsEngineDataset).writeDataPoint(toDataPoint(facts))
        stats.counter(ANALYTICS_ENGINE_STATS.points)
      } catch (e) {
        stats.counter(ANALYTICS_ENGINE_STATS.writeFailed)
        if (!warnedFailed) {
          warnedFailed = true
          console.warn(JSON.stringify({ level: 'warn', msg: 'analytics_engine data point lost: writeDataPoint threw', binding, error: String((e as Error)?.message ?? e) }))
        }
      }
    },
  }
}

/** The data point of one request, in ANALYTICS_ENGINE_LAYOUT. */
export function toDataPoint(facts: RequestFacts): { indexes: [string]; blobs: string[]; doubles: number[] } {
  return {
    indexes: [facts.route === null ? '-' : truncateUtf8(`${facts.vhost}/${facts.route}`, MAX_INDEX_BYTES)],
    blobs: ANALYTICS_ENGINE_LAYOUT.blobs.map((name) => toBlob(facts[name])),
    doubles: ANALYTICS_ENGINE_LAYOUT.doubles.map((name) => facts[name] ?? -1),
  }
}

function toBlob(value: string | number | null): string {
  if (value === null) return ''
  const s = typeof value === 'string' ? value : String(value)
  if (s.length <= MAX_BLOB_CHARS) return s
  // Never keep half of a surrogate pair.
  return s.slice(0, isHighSurrogate(s.charCodeAt(MAX_BLOB_CHARS - 1)) ? MAX_BLOB_CHARS - 1 : MAX_BLOB_CHARS)
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, cut between characters. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s
  let bytes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const pair = isHighSurrogate(c) && isLowSurrogate(s.charCodeAt(i + 1))
    // A lone surrogate is encoded as U+FFFD: 3 bytes.
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3
    if (bytes + n > maxBytes) return s.slice(0, i)
    bytes += n
    if (pair) i++
  }
  return s
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff
