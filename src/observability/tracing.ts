/**
 * @module W3C Trace Context (https://www.w3.org/TR/trace-context/): a valid incoming `traceparent` is continued
 * (same trace id and flags, a new span id for the gateway's hop, `tracestate` passed on unchanged); anything
 * else starts a trace (and drops `tracestate`, which is meaningless without its traceparent).
 */
import type { TracingSettings } from './config.ts'

export interface TraceContext {
  /** 32 lower-case hex digits. */
  traceId: string
  /** The gateway's span id: the parent-id the upstream sees. */
  spanId: string
  /** The incoming parent-id, when the trace was continued. */
  parentId?: string
  /** Two hex digits; bit 0 is "sampled". */
  flags: string
  tracestate?: string
  /** True when continued from the request's traceparent. */
  propagated: boolean
}

const HEX: string[] = []
for (let i = 0; i < 256; i++) HEX[i] = i.toString(16).padStart(2, '0')

/** Random bytes drawn in bulk: one getRandomValues per ~170 requests instead of one per request. */
const POOL = new Uint8Array(4096)
let poolAt = POOL.length

/** `n` random bytes as hex. Filled lazily: Workers forbid random values at module scope. */
function randomHex(n: number): string {
  if (poolAt + n > POOL.length) {
    crypto.getRandomValues(POOL)
    poolAt = 0
  }
  let s = ''
  for (let i = poolAt; i < poolAt + n; i++) s += HEX[POOL[i]!]
  poolAt += n
  return s
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/** Parses a traceparent header; undefined when it is not valid per the spec (version 00, or a later one). */
export function parseTraceparent(value: string | null): { traceId: string; parentId: string; flags: string } | undefined {
  if (value === null) return undefined
  const m = TRACEPARENT.exec(value.trim())
  if (!m) return undefined
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined]
  // Version ff is invalid; version 00 has exactly four fields; later versions may append fields after "-".
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined
  // We speak version 00: keep the flags it defines (sampled, and Level 2's random-trace-id).
  return { traceId, parentId, flags: HEX[parseInt(flags, 16) & 0x03]! }
}

/**
 * The trace context for a request: continued from its headers or started.
 * @param random a float in [0, 1) for the sampling decision of a started trace
 */
export function traceContextFor(headers: Headers, settings: TracingSettings, random: () => number): TraceContext {
  const spanId = randomHex(8)
  const incoming = parseTraceparent(headers.get('traceparent'))
  if (incoming) {
    const tracestate = headers.get('tracestate') ?? undefined
    return { traceId: incoming.traceId, spanId, parentId: incoming.parentId, flags: incoming.flags, ...(tracestate ? { tracestate } : {}), propagated: true }
  }
  const sampled = settings.sample_percent >= 100 || random() * 100 < settings.sample_percent
  let traceId = randomHex(16)
  if (traceId === ZERO_TRACE) traceId = randomHex(16) // all zeros is invalid (probability 2^-128)
  return { traceId, spanId, flags: sampled ? '01' : '00', propagated: false }
}

/** `00-<trace-id>-<span-id>-<flags>`. */
export const toTraceparent = (t: TraceContext) => `00-${t.traceId}-${t.spanId}-${t.flags}`

const TRACE_HEADERS = ['traceparent', 'tracestate']
/** setTraceHeaders as the completion of the upstream headers (src/http/upstream-headers.ts), run when they are built. */
export const traceCompletion = (t: TraceContext) => ({ names: TRACE_HEADERS, apply: (headers: Headers) => setTraceHeaders(headers, t) })

/** Sets the upstream `traceparent` (and `tracestate` when continued; a client's is dropped otherwise). */
function setTraceHeaders(headers: Headers, t: TraceContext): void {
  headers.set('traceparent', toTraceparent(t))
  if (t.tracestate) headers.set('tracestate', t.tracestate)
  else headers.delete('tracestate')
}
