/** @module openapi_validation filter: public surface. */
export { openapiValidationFilter, type ValidationError } from './filter.ts'
export { OPENAPI_ERRORS, OPENAPI_STATS, openapiValidationConfig, type OpenapiValidationConfig } from './config.ts'
