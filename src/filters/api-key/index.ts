/** @module api_key filter: public surface. */
export { apiKeyFilter, type ApiKeyState } from './filter.ts'
export { API_KEY_DEFAULTS, API_KEY_STATS, apiKeyConfig, resolveApiKeyConfig, type ApiKeyConfig, type ResolvedApiKeyConfig } from './config.ts'
export { apiKeyCacheSize, MAX_FOUND_ENTRIES, MAX_UNKNOWN_ENTRIES } from './cache.ts'
