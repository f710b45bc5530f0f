/**
 * @module `legate/testing`: test a filter as the gateway runs it (vitest with @cloudflare/vitest-pool-workers):
 * the conformance suite every filter keeps, a request context, and one filter run through its phases.
 */
export { type ConformanceCase, type ConformanceTest, expectProblem, runConformance } from './conformance.ts'
export { build, type ContextInit, deepFreeze, FACTORY_CTX, makeContext, okUpstream, run, type RunResult, type Upstream } from './context.ts'
