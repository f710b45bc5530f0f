import { describe, expect, it } from 'vitest'
import { cluster as clusterSchema } from '../../src/config/schema.ts'
import { createCluster } from '../../src/upstream/isolate/cluster.ts'
import { createClusterSet } from '../../src/upstream/isolate/clusters.ts'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'

const ep = (n: number, weight = 1) => ({ url: `http://10.0.0.${n}:80`, weight })
const cluster = (lb_policy: 'round_robin' | 'random' | 'least_request', endpoints: { url: string; weight: number }[]) => ({ name: 'c', endpoints, lb_policy })

/** A deterministic PRNG (mulberry32) so statistical tests are exact and repeatable. */
function seeded(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const counts = (picks: { index: number }[]) => picks.reduce((m, p) => ((m[p.index] = (m[p.index] ?? 0) + 1), m), [] as number[])

describe('load balancing', () => {
  it('round_robin follows weights exactly and spreads picks smoothly', () => {
    const c = createCluster(cluster('round_robin', [ep(1, 5), ep(2, 1), ep(3, 1)]))
    const picks = Array.from({ length: 7 }, () => c.pick().index)
    expect(counts(picks.map((index) => ({ index })))).toEqual([5, 1, 1])
    // Smooth: the heavy endpoint never takes more than 3 turns in a row with these weights.
    expect(picks).toEqual([0, 0, 1, 0, 2, 0, 0])
  })

  it('random follows weights in proportion', () => {
    const c = createCluster(cluster('random', [ep(1, 3), ep(2, 1)]), seeded(7))
    const n = counts(Array.from({ length: 4000 }, () => c.pick()))
    expect(n[0]! / 4000).toBeGreaterThan(0.72)
    expect(n[0]! / 4000).toBeLessThan(0.78)
  })

  it('least_request prefers the endpoint with fewer active requests (power of two choices)', () => {
    const c = createCluster(cluster('least_request', [ep(1), ep(2)]), seeded(3))
    c.active[0] = 10
    for (let i = 0; i < 50; i++) expect(c.pick().index).toBe(1)
    c.active[0] = 0
    c.active[1] = 4
    for (let i = 0; i < 50; i++) expect(c.pick().index).toBe(0)
  })

  it('spreads real requests across a cluster of three origins through the gateway', async () => {
    const { echo } = upstreams()
    await publish({
      clusters: [{ name: 'three', endpoints: echo.map((url) => ({ url })) }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'three' } }] }],
    })
    const gw = makeGateway()
    const servers: string[] = []
    for (let i = 0; i < 6; i++) servers.push((await echoOf(await gw.fetch('/lb'))).server)
    expect(servers).toEqual(['echo-a', 'echo-b', 'echo-c', 'echo-a', 'echo-b', 'echo-c'])
  })
})

describe('endpoint availability', () => {
  const outlier = { consecutive_5xx: 1, max_ejection_percent: 100 } as const
  const parsed = (o: Record<string, unknown>) => clusterSchema.parse({ name: 'c', endpoints: [1, 2, 3].map((n) => ({ url: `http://10.0.0.${n}:80` })), ...o })

  it('picks an untried endpoint for a retry when one is available (previous_hosts)', () => {
    const c = createCluster(parsed({}))
    expect(c.choose(0, new Set([0]))!.endpoint.index).toBe(1)
    expect(c.choose(0, new Set([0, 1]))!.endpoint.index).toBe(2)
    // Every endpoint tried: reuse one rather than fail.
    expect(c.choose(0, new Set([0, 1, 2]))).toBeDefined()
  })

  it('skips a locally ejected endpoint until its ejection runs out, keeping round robin order', () => {
    const c = createCluster(parsed({ outlier_detection: outlier }))
    c.recordLocal(1, 503, 0)
    expect([0, 1, 2, 3].map(() => c.choose(1000)!.endpoint.index)).toEqual([0, 2, 0, 2])
    expect([0, 1, 2].map(() => c.choose(30_000)!.endpoint.index).sort()).toEqual([0, 1, 2])
  })

  it('enters panic below healthy_panic_threshold and refuses when it is 0', () => {
    const panics = createCluster(parsed({ outlier_detection: outlier }))
    panics.recordLocal(0, 503, 0)
    panics.recordLocal(1, 503, 0)
    expect(panics.choose(1)).toMatchObject({ panic: true })
    const strict = createCluster(parsed({ outlier_detection: outlier, healthy_panic_threshold: 0 }))
    for (const i of [0, 1, 2]) strict.recordLocal(i, 503, 0)
    expect(strict.choose(1)).toBeUndefined()
  })

  it('keeps per-isolate state across config versions while the endpoints are the same', () => {
    const v1 = createClusterSet([parsed({ outlier_detection: outlier })], 1)
    v1.runtimes.get('c')!.recordLocal(2, 503, 0)
    const v2 = createClusterSet([parsed({ outlier_detection: outlier, lb_policy: 'random' })], 2, v1)
    expect(v2.runtimes.get('c')!.state).toBe(v1.runtimes.get('c')!.state)
    const v3 = createClusterSet([clusterSchema.parse({ name: 'c', endpoints: [{ url: 'http://10.0.0.9:80' }] })], 3, v2)
    expect(v3.runtimes.get('c')!.state).not.toBe(v2.runtimes.get('c')!.state)
    const v4 = createClusterSet([], 4, v3)
    expect(v4.retired).toEqual([])
    const v5 = createClusterSet([], 5, v2)
    expect(v5.retired).toEqual([{ name: 'c', version: 5 }])
  })
})
