/**
 * @module Legate as a library (`import … from 'legate'`): build a gateway with your own filters. No side effects
 * and nothing from `cloudflare:workers`, so the CLI (`legate validate --filters`) and tests can import it. The
 * Worker entry is src/worker.ts; a custom entry also re-exports 'legate/durable-objects' (docs/filters.md).
 */
export { createGateway, type GatewayOptions } from './gateway.ts'
export { declareStats, defineFilter, FilterConfigError } from './filters/types.ts'
export type { FactoryContext, FilterFactory, HttpFilter, StatDef } from './filters/types.ts'
export type { FilterStateMap, Identity, RequestContext, UpstreamOutcome } from './context.ts'
export { problem, type ErrorDef, type ProblemInit } from './http/problem.ts'
export { localResponse } from './http/owned-response.ts'
export type { Env } from './env.ts'
