/** @module ext_authz filter: public surface. */
export { extAuthzFilter, UAEX, type ExtAuthzState } from './filter.ts'
export { EXT_AUTHZ_STATS, extAuthzConfig, MAX_BUFFERED_BODY, type ExtAuthzConfig } from './config.ts'
export { MAX_DENY_BODY_BYTES, PARTIAL_BODY_HEADER } from './_check.ts'
