import { describe, expect, it } from 'vitest'
import { createCluster } from '../../src/upstream/cluster.ts'
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
