/** @module request_id filter: public surface. */
export { requestIdFilter } from './filter.ts'
export { requestIdConfig, type RequestIdConfig } from './config.ts'
