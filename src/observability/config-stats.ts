/**
 * @module `config.*` stats from the config store's status (Envoy's xDS subscription stats): the store counts
 * update attempts, successes, rejections and failures itself; this copies the increments into the stats store
 * before each flush, and the live version as the `config.version` gauge.
 */
import type { Stats } from './stats.ts'

const KEYS = ['update_attempt', 'update_success', 'update_rejected', 'update_failure'] as const

/** What this reads of the config store's status (src/snapshot/store.ts `ConfigStatus` is one). */
export type ConfigCounters = Readonly<Record<(typeof KEYS)[number], number>> & { readonly live_version: number | null }

/** Returns a function that records what changed in `status()` since its previous call. */
export function createConfigStatsSync(status: () => ConfigCounters, stats: Stats): () => void {
  const seen: Record<(typeof KEYS)[number], number> = { update_attempt: 0, update_success: 0, update_rejected: 0, update_failure: 0 }
  return () => {
    const s = status()
    for (const k of KEYS) {
      const d = s[k] - seen[k]
      if (d > 0) stats.counter(`config.${k}`, d)
      seen[k] = s[k]
    }
    if (s.live_version !== null) stats.gauge('config.version', s.live_version)
  }
}
