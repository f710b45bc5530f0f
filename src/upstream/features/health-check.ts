/** @module Cluster feature `health_check`: Envoy active HTTP health checks, run by the cluster's Durable Object alarm. */
import * as z from 'zod'
import { duration, percent, positiveCount, positiveDuration } from '../../config/primitives.ts'
import { applyProbe, createEndpointHealth, type EndpointHealth, nextProbeDelay, type ProbeResult } from '../shared/health.ts'
import { defineFeature, type ProbeFetch, type SnapshotEndpointOf } from '../feature.ts'

const statusRange = z
  .strictObject({
    /** Inclusive. */
    start: z.number().int().min(100).max(599),
    /** Exclusive. */
    end: z.number().int().min(101).max(600),
  })
  .refine((r) => r.end > r.start, 'end must be greater than start')

/** Envoy HealthCheck with http_health_check, flattened: one HTTP check per cluster. */
export const healthCheck = z.strictObject({
  /** Probe path (a query is allowed), e.g. "/healthz". */
  path: z.string().startsWith('/', 'must start with "/"'),
  /** @default GET */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']).default('GET'),
  /** Passing statuses, `[start, end)`. @default [{ start: 200, end: 201 }] */
  expected_statuses: z.array(statusRange).min(1).default([{ start: 200, end: 201 }]),
  /** Failing statuses that count toward `unhealthy_threshold`; any other unexpected status fails at once. */
  retriable_statuses: z.array(statusRange).default([]),
  timeout: positiveDuration,
  interval: positiveDuration,
  /** Up to this much extra wait, at random, per interval. @default 0s */
  interval_jitter: duration.default(0),
  /** Up to this % of the interval extra, at random. @default 0 */
  interval_jitter_percent: percent.default(0),
  unhealthy_threshold: positiveCount,
  healthy_threshold: positiveCount,
})
export type HealthCheckConfig = z.output<typeof healthCheck>

export interface HealthCheckTypes {
  config: HealthCheckConfig
  spec: { healthCheck?: HealthCheckConfig }
  endpoint: { health: EndpointHealth }
  snapshotEndpoint: { healthy: boolean; last: EndpointHealth['last']; unejectSeq: number }
  view: { healthy: Uint8Array }
  endpointStatus: {
    /** Active health check verdict; `unknown` without checks or before the first snapshot. */
    health: 'healthy' | 'unhealthy' | 'unknown'
    last_check: number | string | null
  }
}

/** One probe; service bindings get the cluster name as host (Envoy's default health-check host). */
async function probe(cluster: string, e: { key: string; url?: string; service?: string }, c: HealthCheckConfig, fetch: ProbeFetch): Promise<ProbeResult> {
  const init: RequestInit = { method: c.method, redirect: 'manual', signal: AbortSignal.timeout(c.timeout), headers: { 'user-agent': 'legate-health-check' } }
  try {
    const res = await fetch(e, e.url ? `${e.url}${c.path}` : `http://${cluster}${c.path}`, init)
    await res.body?.cancel().catch(() => {})
    return { kind: 'status', status: res.status }
  } catch (err) {
    return { kind: (err as Error)?.name === 'TimeoutError' ? 'timeout' : 'network' }
  }
}

export const healthCheckFeature = defineFeature<HealthCheckTypes>()({
  name: 'health_check',
  fields: {
    /** Active HTTP health checks run by the cluster's Durable Object. Off unless set. */
    health_check: healthCheck.optional(),
  },
  key: 'health_check',
  stats: ['health_check.attempt', 'health_check.success', 'health_check.failure', 'health_check.network_failure', 'health_check.healthy', 'health_check.unhealthy'],
  shared: {
    specKey: 'healthCheck',
    endpoint: () => ({ health: createEndpointHealth() }),
    alarm: {
      delay: (c, random) => nextProbeDelay(c, random),
      run: (c, spec, fetch) => Promise.all(spec.endpoints.map((e) => probe(spec.name, e, c, fetch))),
      apply(ctx, results: readonly ProbeResult[], passed) {
        results.forEach((r, i) => {
          const e = ctx.endpoints[i]
          if (!e) return
          ctx.count('health_check.attempt')
          const { pass, changed } = applyProbe(e.health, r, ctx.config)
          ctx.count(pass ? 'health_check.success' : r.kind === 'status' ? 'health_check.failure' : 'health_check.network_failure')
          if (changed) ctx.count(`health_check.${changed}`)
          if (pass && passed(i)) e.health.unejectSeq++
        })
      },
    },
    endpointView: ({ health: h }) => ({ healthy: h.healthy, last: h.last, unejectSeq: h.unejectSeq }),
  },
  isolate: {
    view: (n) => ({ healthy: new Uint8Array(n).fill(1) }),
    setup(rt, c) {
      const sv = rt.state.shared
      const adopt = (i: number, e: SnapshotEndpointOf) => {
        const healthy = e.healthy ? 1 : 0
        const changed = sv.healthy[i] !== healthy
        sv.healthy[i] = healthy
        return changed
      }
      return c ? { adopt, out: (i) => (sv.healthy[i] ? 0 : Infinity) } : { adopt }
    },
  },
  status: {
    endpoint: (rt, c, e, shot) => ({
      health: !c || !shot ? 'unknown' : rt.state.shared.healthy[e.index] ? 'healthy' : 'unhealthy',
      last_check: shot?.last ?? null,
    }),
  },
})
