/**
 * @module The Durable Object classes a Legate Worker must export (wrangler.toml binds them by class name). No side
 * effects: a custom entry re-exports them with `export * from 'legate/durable-objects'` next to its own gateway.
 */
export { ClusterHealth } from '../durable/cluster-health.ts'
export { RateLimiter } from '../durable/rate-limiter.ts'
export { Recorder } from '../durable/recorder.ts'
export { Stats } from '../durable/stats.ts'
export { ConfigCoordinator } from '../durable/config-coordinator.ts'
