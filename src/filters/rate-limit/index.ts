/** @module rate_limit filter: public surface. `createRateLimitFilter` and `createIsolateLimiter` are for tests and embedders. */
export { createRateLimitFilter, rateLimitFilter, type RateLimitFilterOptions, type RateLimitState } from './filter.ts'
export { RATE_LIMIT_STATS, rateLimitAction, rateLimitConfig, rateLimitEntry, type RateLimitAction, type RateLimitConfig, type RateLimitEntry } from './config.ts'
export { createIsolateLimiter, ISOLATE_MAX_KEYS, type IsolateLimiter } from './isolate.ts'
export { AUTO_LEASE_MIN, type CompiledLimit, type Mode } from './compile.ts'
export { objectName } from './remote.ts'
