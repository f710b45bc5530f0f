/** @module body_limit filter: public surface. */
export { bodyLimitFilter, BodyTooLargeError, type BodyLimitState } from './filter.ts'
export { BODY_LIMIT_STATS, bodyLimitConfig, type BodyLimitConfig } from './config.ts'
