/**
 * @module The clusters of one config version, built from the previous version's: a cluster whose endpoint list
 * did not change keeps its per-isolate state (in-flight counts, local ejections, cached shared snapshot, outbox);
 * a cluster that disappeared is queued so its Durable Object is retired and its alarm stops.
 */
import type { Cluster } from '../../config/schema.ts'
import { type ClusterRuntime, createCluster, endpointSignature } from './cluster.ts'
import type { ClusterState } from './cluster-state.ts'

export interface RetiredCluster {
  name: string
  version: number
}

export interface ClusterSet {
  readonly runtimes: ReadonlyMap<string, ClusterRuntime>
  readonly carried: ReadonlyMap<string, { signature: string; state: ClusterState; shared: boolean }>
  /** Clusters that left the config and had shared state, with the version that removed them; drained by the next forwarded request. */
  readonly retired: RetiredCluster[]
}

/**
 * Builds the runtimes for `clusters`, reusing state from `previous` where the endpoints are the same. Never
 * mutates `previous`: a set that is built and then discarded (a failed compile) leaves the live one as it was.
 */
export function createClusterSet(clusters: readonly Cluster[], version: number, previous?: ClusterSet): ClusterSet {
  // A copy: the previous version's runtimes drain their own list; a retirement sent twice is idempotent.
  const retired = [...(previous?.retired ?? [])]
  const runtimes = new Map<string, ClusterRuntime>()
  const carried = new Map<string, { signature: string; state: ClusterState; shared: boolean }>()
  for (const c of clusters) {
    const signature = endpointSignature(c)
    const before = previous?.carried.get(c.name)
    const state = before?.signature === signature ? before.state : undefined
    const rt = createCluster(c, Math.random, { ...(state ? { state } : {}), version, retired })
    runtimes.set(c.name, rt)
    carried.set(c.name, { signature, state: rt.state, shared: rt.shared !== undefined })
  }
  for (const [name, c] of previous?.carried ?? [])
    if (c.shared && !carried.has(name) && !retired.some((r) => r.name === name)) retired.push({ name, version })
  // A cluster that came back before its retirement was sent keeps its object.
  for (let i = retired.length - 1; i >= 0; i--) if (carried.has(retired[i]!.name)) retired.splice(i, 1)
  return { runtimes, carried, retired }
}
