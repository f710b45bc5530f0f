/**
 * @module The shared state of one cluster, as the ClusterHealth Durable Object holds it, and the pure functions
 * it runs: apply the cluster spec an isolate sends, fold a batch of reported outcomes into outlier and breaker
 * state, apply a round of active health checks, and render the snapshot isolates cache.
 */
import * as z from 'zod'
import type { Random } from '../request/backoff.ts'
import { advanceBreaker, type BreakerState, breakerRates, createBreakerState, recordCall } from './breaker.ts'
import type { FailureRateBreakerConfig, HealthCheckConfig, OutlierDetectionConfig } from '../schema.ts'
import { applyProbe, createEndpointHealth, type EndpointHealth, type ProbeResult } from './health.ts'
import { createOutlierStates, type EndpointOutlier, type OutlierEvent, recordOutlier, sweepOutliers, unejectEndpoint } from './outlier.ts'
import { isFailure } from '../request/retry.ts'

/** What the object needs to know about its cluster; isolates build it at compile time and send it as JSON. */
export interface ClusterSpec {
  name: string
  endpoints: { key: string; url?: string; service?: string }[]
  outlier?: OutlierDetectionConfig
  breaker?: FailureRateBreakerConfig
  healthCheck?: HealthCheckConfig
}

export interface EndpointShared {
  key: string
  health: EndpointHealth
  outlier: EndpointOutlier
}

export interface SharedDoc {
  /** Config version of the spec in force; older isolates' specs never replace it. */
  version: number
  specJson: string
  spec: ClusterSpec | null
  endpoints: EndpointShared[]
  breaker: BreakerState
  lastSweepAt: number
  /** The object's own clock at the last report (idle objects stop their checks). */
  lastContact: number
  /** The config version that removed the cluster; reports from that version or older are ignored. */
  retiredVersion: number
  counters: Record<string, number>
}

/** A batch of outcomes from one isolate: `outcomes` is flat `[endpointIndex, code, ms, at]` quadruples. */
export const reportBatch = z.strictObject({
  version: z.number().int().min(0),
  spec: z.string().max(100_000),
  now: z.number(),
  outcomes: z.array(z.number()).max(4 * 2000).refine((a) => a.length % 4 === 0, 'outcomes come in quadruples'),
})
export type ReportBatch = z.output<typeof reportBatch>

const specShape = z.looseObject({ name: z.string(), endpoints: z.array(z.looseObject({ key: z.string() })).min(1) })

/** The snapshot isolates cache: everything they need to route, and what the status page shows. */
export interface HealthSnapshot {
  version: number
  at: number
  endpoints: {
    key: string
    healthy: boolean
    last: EndpointHealth['last']
    unejectSeq: number
    ejectedUntil: number
    ejectedAt: number
    reason: string
    timesEjected: number
  }[]
  breaker: Pick<BreakerState, 'phase' | 'openedAt' | 'openUntil' | 'epoch'> & { calls: number; failureRate: number; slowRate: number }
  counters: Record<string, number>
}

export function createSharedDoc(): SharedDoc {
  return { version: -1, specJson: '', spec: null, endpoints: [], breaker: createBreakerState(), lastSweepAt: 0, lastContact: 0, retiredVersion: -1, counters: {} }
}

const bump = (doc: SharedDoc, name: string, n = 1) => void (doc.counters[name] = (doc.counters[name] ?? 0) + n)

/** Parses a spec string; undefined when it is not one. */
export function parseSpec(json: string): ClusterSpec | undefined {
  try {
    const parsed = specShape.safeParse(JSON.parse(json))
    return parsed.success ? (parsed.data as unknown as ClusterSpec) : undefined
  } catch {
    return undefined
  }
}

/**
 * Adopts a newer spec: endpoints that stay keep their state, new ones start healthy, removed ones go.
 * @returns whether the spec changed.
 */
export function applySpec(doc: SharedDoc, version: number, specJson: string, spec: ClusterSpec): boolean {
  if (specJson === doc.specJson || version < doc.version) return false
  const old = new Map(doc.endpoints.map((e) => [e.key, e]))
  const fresh = createOutlierStates(spec.endpoints.length)
  doc.endpoints = spec.endpoints.map((e, i) => old.get(e.key) ?? { key: e.key, health: createEndpointHealth(), outlier: fresh[i]! })
  if (JSON.stringify(doc.spec?.breaker) !== JSON.stringify(spec.breaker)) doc.breaker = createBreakerState()
  doc.version = version
  doc.specJson = specJson
  doc.spec = spec
  return true
}

function countEvent(doc: SharedDoc, e: OutlierEvent | undefined) {
  if (!e) return
  if (e.kind === 'ejected') bump(doc, 'outlier_detection.ejections_enforced_total'), bump(doc, `outlier_detection.ejections_enforced_${e.reason}`)
  else if (e.kind === 'overflow') bump(doc, 'outlier_detection.ejections_overflow')
  else bump(doc, `outlier_detection.ejections_detected_${e.reason}`)
}

/** Folds one batch into the doc. `keys` are the sender's endpoint keys, by index. */
export function applyReport(doc: SharedDoc, keys: readonly string[], batch: ReportBatch, random: Random): void {
  const spec = doc.spec
  if (!spec) return
  const byKey = new Map(doc.endpoints.map((e, i) => [e.key, i]))
  const outlierStates = doc.endpoints.map((e) => e.outlier)
  const o = batch.outcomes
  for (let j = 0; j + 3 < o.length; j += 4) {
    const code = o[j + 1]!
    const at = o[j + 3]!
    if (spec.breaker) {
      const moved = recordCall(doc.breaker, spec.breaker, { at, failed: isFailure(code), slow: o[j + 2]! >= spec.breaker.slow_call_duration })
      if (moved) bump(doc, `circuit_breakers.failure_rate.${moved}`)
    }
    const i = byKey.get(keys[o[j]!] ?? '')
    if (spec.outlier && i !== undefined) countEvent(doc, recordOutlier(outlierStates, i, code, at, spec.outlier, random))
  }
  sweepIfDue(doc, batch.now, random)
}

/** Runs the outlier sweep when an interval has passed, and the breaker's timed transition. */
export function sweepIfDue(doc: SharedDoc, now: number, random: Random): void {
  const spec = doc.spec
  if (spec?.breaker && advanceBreaker(doc.breaker, now)) bump(doc, 'circuit_breakers.failure_rate.half_open')
  if (!spec?.outlier) return
  if (doc.lastSweepAt === 0) doc.lastSweepAt = now
  const intervals = Math.floor((now - doc.lastSweepAt) / spec.outlier.interval)
  if (intervals < 1) return
  doc.lastSweepAt += intervals * spec.outlier.interval
  for (const e of sweepOutliers(doc.endpoints.map((x) => x.outlier), now, spec.outlier, random, intervals)) countEvent(doc, e)
}

/** Applies one active health-check round (results by endpoint index). */
export function applyProbes(doc: SharedDoc, results: readonly ProbeResult[]): void {
  const hc = doc.spec?.healthCheck
  if (!hc) return
  const uneject = doc.spec?.outlier?.successful_active_health_check_uneject_host ?? true
  results.forEach((r, i) => {
    const e = doc.endpoints[i]
    if (!e) return
    bump(doc, 'health_check.attempt')
    const { pass, changed } = applyProbe(e.health, r, hc)
    bump(doc, pass ? 'health_check.success' : r.kind === 'status' ? 'health_check.failure' : 'health_check.network_failure')
    if (changed) bump(doc, `health_check.${changed}`)
    if (pass && uneject && e.outlier.ejectedUntil !== 0) {
      unejectEndpoint(e.outlier)
      e.health.unejectSeq++
    }
  })
}

export function toSnapshot(doc: SharedDoc, now: number): HealthSnapshot {
  const b = doc.breaker
  const rates = doc.spec?.breaker ? breakerRates(b, doc.spec.breaker, now) : { calls: 0, failureRate: -1, slowRate: -1 }
  return {
    version: doc.version,
    at: now,
    endpoints: doc.endpoints.map(({ key, health: h, outlier: o }) => ({
      key,
      healthy: h.healthy,
      last: h.last,
      unejectSeq: h.unejectSeq,
      ejectedUntil: o.ejectedUntil > now ? o.ejectedUntil : 0,
      ejectedAt: o.ejectedAt,
      reason: o.ejectedUntil > now ? o.reason : '',
      timesEjected: o.timesEjected,
    })),
    breaker: { phase: b.phase, openedAt: b.openedAt, openUntil: b.openUntil, epoch: b.epoch, ...rates },
    counters: { ...doc.counters },
  }
}
