/** @module Worker entry: wiring only. Users with their own filters write their own entry with createGateway. */
import type { Env } from './env.ts'
import { createGateway } from './gateway.ts'

export { createGateway } from './gateway.ts'
export { ClusterHealth } from '../durable/cluster-health.ts'
export { RateLimiter } from '../durable/rate-limiter.ts'
export { Recorder } from '../durable/recorder.ts'
export { Stats } from '../durable/stats.ts'
export { defineFilter, FilterConfigError } from './filters/types.ts'
export type { FilterFactory, HttpFilter, RequestContext } from './filters/types.ts'

const gateway = createGateway()

export default { fetch: gateway.fetch } satisfies ExportedHandler<Env>
