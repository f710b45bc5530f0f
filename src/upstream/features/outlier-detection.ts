/** @module Cluster feature `outlier_detection`: Envoy passive ejection, per isolate at once and shared through the cluster's Durable Object. */
import * as z from 'zod'
import { percent, positiveCount, positiveDuration } from '../../config/primitives.ts'
import { createOutlierStates, type EndpointOutlier, isEjected, type OutlierEvent, recordOutlier, sweepOutliers, unejectEndpoint } from '../shared/outlier.ts'
import { defineFeature, type SharedCtx, type SnapshotEndpointOf } from '../feature.ts'

const hosts = z.number().int().min(0)

/** Envoy OutlierDetection (no split local-origin mode: resets and timeouts count as gateway failures). */
export const outlierDetection = z.strictObject({
  /** @default 5 */
  consecutive_5xx: positiveCount.default(5),
  /** Consecutive 502/503/504, resets and timeouts. @default 5 */
  consecutive_gateway_failure: positiveCount.default(5),
  /** @default 100 */
  enforcing_consecutive_5xx: percent.default(100),
  /** @default 0 (detected, not enforced, as Envoy) */
  enforcing_consecutive_gateway_failure: percent.default(0),
  /** Sweep for failure-percentage and success-rate ejections; the ejection multiplier decays once per interval. @default 10s */
  interval: positiveDuration.default(10_000),
  /** Ejection time = base × times ejected, capped at max_ejection_time. @default 30s */
  base_ejection_time: positiveDuration.default(30_000),
  /** @default 300s */
  max_ejection_time: positiveDuration.default(300_000),
  /** Never eject past this % of the cluster's endpoints. @default 10 */
  max_ejection_percent: percent.default(10),
  /** Eject one endpoint even when `max_ejection_percent` forbids it. @default false */
  always_eject_one_host: z.boolean().default(false),
  /** @default 85 */
  failure_percentage_threshold: percent.default(85),
  /** @default 0 */
  enforcing_failure_percentage: percent.default(0),
  /** @default 5 */
  failure_percentage_minimum_hosts: hosts.default(5),
  /** @default 50 */
  failure_percentage_request_volume: hosts.default(50),
  /** @default 100 */
  enforcing_success_rate: percent.default(100),
  /** @default 5 */
  success_rate_minimum_hosts: hosts.default(5),
  /** @default 100 */
  success_rate_request_volume: hosts.default(100),
  /** Eject below mean − stdev × factor / 1000. @default 1900 */
  success_rate_stdev_factor: hosts.default(1900),
  /** A passing active health check returns an ejected endpoint at once. @default true */
  successful_active_health_check_uneject_host: z.boolean().default(true),
})
export type OutlierDetectionConfig = z.output<typeof outlierDetection>

export interface OutlierTypes {
  config: OutlierDetectionConfig
  spec: { outlier?: OutlierDetectionConfig }
  endpoint: { outlier: EndpointOutlier }
  cluster: { lastSweepAt: number }
  snapshotEndpoint: { ejectedUntil: number; ejectedAt: number; reason: string; timesEjected: number }
  local: { outlier: EndpointOutlier[]; lastSweepAt: number }
  view: { ejectedUntil: Float64Array; reasons: string[]; unejectSeq: Int32Array }
  endpointStatus: {
    ejection: null | { reason: string; source: 'local' | 'shared'; since: string; until: string; remaining_ms: number; times_ejected: number }
  }
}

/** The stat an ejection decision counts. */
const statOf = (e: OutlierEvent) =>
  e.kind === 'ejected'
    ? `outlier_detection.ejections_enforced_${e.reason}`
    : e.kind === 'overflow'
      ? 'outlier_detection.ejections_overflow'
      : `outlier_detection.ejections_detected_${e.reason}`
const TOTAL = 'outlier_detection.ejections_enforced_total'

function countShared(ctx: SharedCtx<OutlierTypes>, e: OutlierEvent | undefined) {
  if (!e) return
  if (e.kind === 'ejected') ctx.count(TOTAL)
  ctx.count(statOf(e))
}

/** The object's outlier records as one array, per endpoint list (a spec change makes a new list). */
const lists = new WeakMap<readonly object[], EndpointOutlier[]>()
function statesOf(endpoints: readonly OutlierTypes['endpoint'][]): EndpointOutlier[] {
  let s = lists.get(endpoints)
  if (!s) lists.set(endpoints, (s = endpoints.map((e) => e.outlier)))
  return s
}

const iso = (ms: number) => new Date(ms).toISOString()

export const outlierDetectionFeature = defineFeature<OutlierTypes>()({
  name: 'outlier_detection',
  fields: {
    /** Passive per-endpoint ejection (Envoy OutlierDetection). Off unless set. */
    outlier_detection: outlierDetection.optional(),
  },
  key: 'outlier_detection',
  stats: [TOTAL, 'outlier_detection.ejections_enforced_<reason>', 'outlier_detection.ejections_detected_<reason>', 'outlier_detection.ejections_overflow'],
  shared: {
    specKey: 'outlier',
    endpoint: () => ({ outlier: createOutlierStates(1)[0]! }),
    cluster: () => ({ lastSweepAt: 0 }),
    outcomes: true,
    record(ctx, i, code, _ms, at) {
      if (i !== undefined) countShared(ctx, recordOutlier(statesOf(ctx.endpoints), i, code, at, ctx.config, ctx.random))
    },
    tick(ctx, now) {
      const c = ctx.config
      const k = ctx.cluster
      if (k.lastSweepAt === 0) k.lastSweepAt = now
      const intervals = Math.floor((now - k.lastSweepAt) / c.interval)
      if (intervals < 1) return
      k.lastSweepAt += intervals * c.interval
      for (const e of sweepOutliers(statesOf(ctx.endpoints), now, c, ctx.random, intervals)) countShared(ctx, e)
    },
    onActivePass(ctx, i) {
      const o = ctx.endpoints[i]?.outlier
      if (!(ctx.config?.successful_active_health_check_uneject_host ?? true) || !o || o.ejectedUntil === 0) return false
      unejectEndpoint(o)
      return true
    },
    endpointView: ({ outlier: o }, now) => ({
      ejectedUntil: o.ejectedUntil > now ? o.ejectedUntil : 0,
      ejectedAt: o.ejectedAt,
      reason: o.ejectedUntil > now ? o.reason : '',
      timesEjected: o.timesEjected,
    }),
  },
  isolate: {
    local: (n) => ({ outlier: createOutlierStates(n), lastSweepAt: 0 }),
    view: (n) => ({ ejectedUntil: new Float64Array(n), reasons: new Array<string>(n).fill(''), unejectSeq: new Int32Array(n) }),
    setup(rt, c) {
      const st = rt.state
      const sv = st.shared
      const adopt = (i: number, e: SnapshotEndpointOf) => {
        const changed = sv.ejectedUntil[i] !== e.ejectedUntil
        sv.ejectedUntil[i] = e.ejectedUntil
        sv.reasons[i] = e.reason
        const seq = e.unejectSeq
        if (seq <= sv.unejectSeq[i]!) return changed
        // A passing active check returned the endpoint: drop this isolate's own ejection too.
        sv.unejectSeq[i] = seq
        const local = st.outlier[i]!
        if (local.ejectedUntil === 0) return changed
        unejectEndpoint(local)
        return true
      }
      if (!c) return { adopt }
      const ejected = (i: number, now: number) => isEjected(st.outlier[i]!, now) || sv.ejectedUntil[i]! > now
      const ejectedCount = (now: number) => rt.endpoints.reduce((k, e) => k + (ejected(e.index, now) ? 1 : 0), 0)
      return {
        adopt,
        out(i, now) {
          const a = st.outlier[i]!.ejectedUntil
          const b = sv.ejectedUntil[i]!
          if (a > now) return b > now && b < a ? b : a
          return b > now ? b : 0
        },
        record(i, code, now, stats) {
          let events: OutlierEvent[] | undefined
          if (st.lastSweepAt === 0) st.lastSweepAt = now
          const intervals = Math.floor((now - st.lastSweepAt) / c.interval)
          if (intervals >= 1) {
            st.lastSweepAt += intervals * c.interval
            events = sweepOutliers(st.outlier, now, c, rt.random, intervals)
          }
          const event = recordOutlier(st.outlier, i, code, now, c, rt.random, () => ejectedCount(now))
          if (event) (events ??= []).push(event)
          if (!events) return
          if (events.some((e) => e.kind === 'ejected')) st.version++
          for (const e of events) {
            const stat = statOf(e)
            stats?.counter(rt.stat.of(stat))
            st.count(stat)
            if (e.kind === 'ejected') stats?.counter(rt.stat.of(TOTAL))
          }
        },
      }
    },
  },
  status: {
    endpoint(rt, _c, e, shot, now) {
      const i = e.index
      const local = rt.state.outlier[i]!
      const sharedUntil = rt.state.shared.ejectedUntil[i]!
      const source = local.ejectedUntil > now ? 'local' : sharedUntil > now ? 'shared' : null
      if (!source) return { ejection: null }
      const until = source === 'local' ? local.ejectedUntil : sharedUntil
      return {
        ejection: {
          reason: source === 'local' ? local.reason : rt.state.shared.reasons[i]!,
          source,
          since: iso(source === 'local' ? local.ejectedAt : (shot?.ejectedAt ?? now)),
          until: iso(until),
          remaining_ms: until - now,
          times_ejected: source === 'local' ? local.timesEjected : (shot?.timesEjected ?? 0),
        },
      }
    },
  },
})
