/** @module cache filter: public surface. */
export { cacheFilter, KEYERS, type CacheKeyer, type CacheState } from './filter.ts'
export { CACHE_STATS, cacheBypass, cacheConfig, cacheKey, type CacheConfig } from './config.ts'
export { bumpGeneration, currentGenerations, GENERATIONS_KEY, type Generations } from './generations.ts'
export { KEY_PREFIX, type KeyInput } from './key.ts'
export { hotDelete } from './hot.ts'
