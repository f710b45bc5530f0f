/**
 * @module What the forward action of one route does, as compiled once per config version (src/snapshot/compile.ts
 * builds it; src/upstream/request/forward.ts runs it): owned by the upstream layer that executes it.
 */
import type { MutationVars } from '../../lib/header-mutation.ts'
import type { RouteHit } from '../../router/routes.ts'
import type { ClusterRuntime } from '../isolate/cluster.ts'
import type { MirrorPlan } from './mirror.ts'
import type { RetryPlan } from './retry.ts'

export type ApplyHeaders = (headers: Headers, vars: MutationVars) => void

export interface ForwardPlan {
  kind: 'forward'
  /** Fixed cluster, or undefined when chosen per request (weighted or from a header). */
  cluster?: ClusterRuntime
  clusterHeader?: string
  weighted?: { clusters: (ClusterRuntime | undefined)[]; names: string[]; cumulative: number[]; total: number; headers: ApplyHeaders[] }
  rewrite?: (path: string, hit: RouteHit) => string
  hostRewrite?: string
  /** 0 disables. */
  timeoutMs: number
  clusterNotFoundStatus: number
  /** The route's retry policy, else the virtual host's; none means no retries. */
  retry?: RetryPlan
  /** request_mirror_policies; absent when the route mirrors nothing. */
  mirrors?: MirrorPlan[]
}
