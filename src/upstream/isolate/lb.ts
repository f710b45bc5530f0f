/**
 * @module Load-balancing pickers over a list of endpoints, per isolate: round_robin is smooth weighted round
 * robin (nginx), random is weighted random, least_request is Envoy's power of two choices over in-isolate active
 * requests, divided by weight. A cluster builds one over all its endpoints, and others over the available subset
 * when health checks or outlier detection take endpoints out.
 */
import type { Random } from '../request/backoff.ts'

/** What a picker needs of an endpoint: its weight, and its index in the cluster (for `active`). */
export interface Weighted {
  weight: number
  index: number
}

export type LbPolicy = 'round_robin' | 'random' | 'least_request'

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

/**
 * Builds a picker. `endpoints` must not be empty.
 * @param active - active requests by cluster index (least_request reads it).
 */
export function createPicker<E extends Weighted>(endpoints: readonly E[], policy: LbPolicy, active: Int32Array, random: Random): () => E {
  const n = endpoints.length
  let total = 0
  const cumulative = endpoints.map((e) => (total += e.weight))
  const only = endpoints[0]!
  if (n === 1) return () => only
  if (policy === 'random') return () => endpoints[weightedRandom(cumulative, total, random)]!
  if (policy === 'least_request')
    return () => {
      const a = weightedRandom(cumulative, total, random)
      let b = weightedRandom(cumulative, total, random)
      if (b === a) b = (a + 1 + Math.floor(random() * (n - 1))) % n
      const ea = endpoints[a]!
      const eb = endpoints[b]!
      return active[eb.index]! / eb.weight < active[ea.index]! / ea.weight ? eb : ea
    }
  // Smooth weighted round robin: every endpoint gains its weight, the richest is picked and pays the total.
  const current = new Float64Array(n)
  return () => {
    let best = 0
    for (let i = 0; i < n; i++) {
      current[i]! += endpoints[i]!.weight
      if (current[i]! > current[best]!) best = i
    }
    current[best]! -= total
    return endpoints[best]!
  }
}
