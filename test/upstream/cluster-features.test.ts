/** The cluster-feature extension point (issue 15 §3): a feature record alone adds config, local state, hooks, status and stats. */
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { type Cluster, cluster as clusterSchema } from '../../src/config/schema.ts'
import { createStatsStore } from '../../src/observability/stats.ts'
import { defineFeature } from '../../src/upstream/feature.ts'
import { CLUSTER_FEATURES } from '../../src/upstream/features/index.ts'
import { createCluster } from '../../src/upstream/isolate/cluster.ts'
import { clusterStatus } from '../../src/upstream/isolate/status.ts'
import { recordAttempt } from '../../src/upstream/request/record.ts'
import type { AttemptEnd } from '../../src/upstream/request/attempt.ts'

/** A test-only feature: counts 5xx per endpoint and takes an endpoint out after `limit` of them. */
interface StrikeTypes {
  config: { limit: number }
  local: { strikes: Int32Array }
  endpointStatus: { strikes: number }
  status: { strikes: null | { limit: number } }
}
const strikes = defineFeature<StrikeTypes>()({
  name: 'strikes',
  fields: { strikes: z.strictObject({ limit: z.number().int().min(1) }).optional() },
  key: 'strikes',
  stats: ['strikes.counted'],
  isolate: {
    local: (n) => ({ strikes: new Int32Array(n) }),
    setup(rt, c) {
      const local = (rt.state as unknown as StrikeTypes['local']).strikes
      if (!c) return {}
      return {
        record(i, code, _now, stats) {
          if (code < 500) return
          local[i]!++
          stats?.counter(rt.stat.of('strikes.counted'))
          if (local[i] === c.limit) rt.state.version++
        },
        out: (i) => (local[i]! >= c.limit ? Infinity : 0),
      }
    },
  },
  status: {
    endpoint: (rt, _c, e) => ({ strikes: (rt.state as unknown as StrikeTypes['local']).strikes[e.index]! }),
    cluster: (_rt, c) => ({ strikes: c ? { limit: c.limit } : null }),
  },
})

const features = [...CLUSTER_FEATURES, strikes]
const parsed = (extra: Record<string, unknown>) =>
  ({ ...clusterSchema.parse({ name: 'c', endpoints: [1, 2].map((n) => ({ url: `http://10.0.0.${n}:80` })) }), ...extra }) as Cluster
const end = (index: number, status: number) => ({ kind: 'response', attempt: { endpoint: { index }, ms: 1 }, res: new Response(null, { status }) }) as unknown as AttemptEnd

describe('cluster features', () => {
  it('a feature passed in adds its local state, hooks, status and stats without any change to the core', () => {
    const rt = createCluster(parsed({ strikes: { limit: 2 } }), Math.random, {}, features)
    const stats = createStatsStore()
    for (const status of [503, 200, 503]) recordAttempt(rt, stats, end(1, status), 0)
    expect(stats.counters.get('cluster.c.strikes.counted')).toBe(2)
    expect([0, 1, 2].map(() => rt.choose(0)!.endpoint.index)).toEqual([0, 0, 0])
    const status = clusterStatus(new Map([['c', rt]]), 0).clusters[0]! as unknown as Record<string, unknown> & { endpoints: Record<string, unknown>[] }
    expect(status['strikes']).toEqual({ limit: 2 })
    expect(status.endpoints.map((e) => [e['strikes'], e['available']])).toEqual([[0, true], [2, false]])
    // The built-in features still show, off.
    expect(status['failure_rate_breaker']).toBeNull()
    expect(status.endpoints[0]).toMatchObject({ health: 'unknown', ejection: null })
  })

  it('a feature that is off for a cluster costs it no hooks', () => {
    const rt = createCluster(parsed({}), Math.random, {}, features)
    expect(rt.admit).toBeUndefined()
    expect(rt.reports).toBe(false)
    expect(clusterStatus(new Map([['c', rt]]), 0).clusters[0]).toMatchObject({ strikes: null })
  })

})
