/** @module The Worker's bindings. Service-binding endpoints name further bindings (Fetchers) at run time. */
export interface Env {
  /** Workers KV namespace holding config versions and the live pointer. */
  CONFIG: KVNamespace
  /** Per-cluster health, ejections and shared breaker state (durable/cluster-health.ts). */
  CLUSTER_HEALTH: DurableObjectNamespace<import('../durable/cluster-health.ts').ClusterHealth>
  /** Global rate-limit buckets, sharded by key hash (durable/rate-limiter.ts). */
  RATE_LIMITER: DurableObjectNamespace<import('../durable/rate-limiter.ts').RateLimiter>
  /** Sharded stats aggregation (durable/stats.ts). */
  STATS: DurableObjectNamespace<import('../durable/stats.ts').Stats>
  /** Flight recorder per route (durable/recorder.ts). */
  RECORDER: DurableObjectNamespace<import('../durable/recorder.ts').Recorder>
  /** Serializes publishes and runs canary rollouts (durable/config-coordinator.ts). */
  CONFIG_COORDINATOR: DurableObjectNamespace<import('../durable/config-coordinator.ts').ConfigCoordinator>
  /** Admin API bearer token; empty or unset turns the admin API off. */
  ADMIN_TOKEN?: string
  /** Static assets: the admin dashboard's page (wrangler.toml `[assets]`, src/admin/ui-routes.ts). Unset: no dashboard. */
  ASSETS?: Fetcher
  [binding: string]: unknown
}
