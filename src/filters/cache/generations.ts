/**
 * @module Cache generations: one global and one per route, part of every key, so raising one makes every older
 * entry unreachable at once (the Cache API has no purge by prefix). They live in the config KV namespace under
 * `cache/generations`, written by `POST /__legate/cache/purge`; an isolate reads them on its first cached request
 * (awaited once, like the config itself) and then in the background at most every {@link GENERATIONS_REFRESH_MS}.
 */
import { warn } from './store.ts'

export const GENERATIONS_KEY = 'cache/generations'
/** How often an isolate re-reads the generations (plus KV's own propagation, up to ~60 s elsewhere). */
export const GENERATIONS_REFRESH_MS = 5_000

export interface Generations {
  global: number
  routes: Record<string, number>
}

let current: Generations | undefined
let checkedAt = -Infinity
let loading: Promise<Generations | undefined> | undefined

const isGenerations = (v: unknown): v is Generations =>
  typeof v === 'object' && v !== null && typeof (v as Generations).global === 'number' && typeof (v as Generations).routes === 'object'

async function load(kv: KVNamespace): Promise<Generations | undefined> {
  try {
    const v = await kv.get(GENERATIONS_KEY, 'json')
    current = isGenerations(v) ? v : (current ?? { global: 0, routes: {} })
  } catch (e) {
    warn('generations', e)
  } finally {
    loading = undefined
  }
  return current
}

/**
 * The generations to key with. Synchronous after the isolate's first read; undefined when they were never
 * readable (the cache is bypassed rather than risk serving purged entries).
 */
export function currentGenerations(kv: KVNamespace, now: number, waitUntil: (p: Promise<unknown>) => void): Generations | undefined | Promise<Generations | undefined> {
  if (current === undefined) {
    checkedAt = now
    return (loading ??= load(kv))
  }
  if (now - checkedAt >= GENERATIONS_REFRESH_MS && !loading) {
    checkedAt = now
    waitUntil((loading = load(kv)))
  }
  return current
}

/** Raises the global generation or one route's, in KV and in this isolate at once. Returns the new values. */
export async function bumpGeneration(kv: KVNamespace, route?: string): Promise<Generations> {
  const stored = await kv.get(GENERATIONS_KEY, 'json')
  const g: Generations = isGenerations(stored) ? { global: stored.global, routes: { ...stored.routes } } : { global: 0, routes: {} }
  if (route === undefined) g.global++
  else g.routes[route] = (g.routes[route] ?? 0) + 1
  await kv.put(GENERATIONS_KEY, JSON.stringify(g))
  current = g
  return g
}
