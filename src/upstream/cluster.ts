/**
 * @module Clusters at run time: endpoints and load balancing, per isolate. round_robin is smooth weighted
 * round robin (nginx), random is weighted random, least_request is Envoy's power of two choices over
 * in-isolate active requests, divided by weight.
 */
import type { Cluster } from '../config/schema.ts'

export type Endpoint =
  | { kind: 'url'; origin: string; host: string; weight: number; index: number }
  | { kind: 'service'; binding: string; weight: number; index: number }

export interface ClusterRuntime {
  readonly name: string
  readonly endpoints: readonly Endpoint[]
  /** Picks an endpoint for one attempt. */
  pick(): Endpoint
  /** Active requests per endpoint in this isolate (least_request uses it). */
  readonly active: Int32Array
}

/** Injectable randomness for tests: returns a float in [0, 1). */
export type Random = () => number

function toEndpoint(e: Cluster['endpoints'][number], index: number): Endpoint {
  if (e.url !== undefined) {
    const u = new URL(e.url)
    return { kind: 'url', origin: u.origin, host: u.host, weight: e.weight, index }
  }
  return { kind: 'service', binding: e.service!, weight: e.weight, index }
}

function weightedRandom(cumulative: number[], total: number, random: Random): number {
  const r = random() * total
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cumulative[mid]! > r) hi = mid
    else lo = mid + 1
  }
  return lo
}

export function createCluster(cluster: Cluster, random: Random = Math.random): ClusterRuntime {
  const endpoints = cluster.endpoints.map(toEndpoint)
  const n = endpoints.length
  const active = new Int32Array(n)
  let total = 0
  const cumulative = endpoints.map((e) => (total += e.weight))
  const only = endpoints[0]!
  let pick: () => Endpoint
  if (n === 1) pick = () => only
  else if (cluster.lb_policy === 'random') pick = () => endpoints[weightedRandom(cumulative, total, random)]!
  else if (cluster.lb_policy === 'least_request') {
    pick = () => {
      const a = weightedRandom(cumulative, total, random)
      let b = weightedRandom(cumulative, total, random)
      if (b === a) b = (a + 1 + Math.floor(random() * (n - 1))) % n
      const ea = endpoints[a]!
      const eb = endpoints[b]!
      return active[b]! / eb.weight < active[a]! / ea.weight ? eb : ea
    }
  } else {
    // Smooth weighted round robin: every endpoint gains its weight, the richest is picked and pays the total.
    const current = new Float64Array(n)
    pick = () => {
      let best = 0
      for (let i = 0; i < n; i++) {
        current[i]! += endpoints[i]!.weight
        if (current[i]! > current[best]!) best = i
      }
      current[best]! -= total
      return endpoints[best]!
    }
  }
  return { name: cluster.name, endpoints, pick, active }
}
