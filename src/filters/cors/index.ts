/** @module cors filter: public surface. */
export { corsFilter, type CorsState } from './filter.ts'
export { CORS_STATS, corsConfig, type CorsConfig } from './config.ts'
