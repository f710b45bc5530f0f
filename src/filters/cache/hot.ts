/**
 * @module The in-isolate layer in front of the Cache API: small entries this isolate just stored or read, kept
 * for at most {@link HOT_MS} (so a purge by URL reaches other isolates' copies within that), within a byte budget.
 * A hit then costs no Cache API call and no header parsing. Freshness is still decided from the entry's own times.
 */
import type { Entry } from './entry.ts'

export const HOT_MS = 1_000
export const HOT_MAX_ENTRY = 256 * 1024
const HOT_MAX_TOTAL = 8 * 1024 * 1024

const hot = new Map<string, { until: number; entry: Entry }>()
let total = 0

function drop(key: string, h: { entry: Entry }) {
  hot.delete(key)
  total -= h.entry.bytes
}

/** The entry under `key`, if this isolate holds one young enough (shared: never changed by its users). */
export function hotGet(key: string, now: number): Entry | undefined {
  const h = hot.get(key)
  if (!h) return undefined
  if (now < h.until) return h.entry
  drop(key, h)
}

/** Keeps an entry whose body is in memory; a full layer starts over. */
export function hotPut(key: string, entry: Entry, now: number): void {
  if (entry.body instanceof ReadableStream || entry.bytes > HOT_MAX_ENTRY) return
  hotDelete(key)
  if (total + entry.bytes > HOT_MAX_TOTAL) {
    hot.clear()
    total = 0
  }
  hot.set(key, { until: now + HOT_MS, entry })
  total += entry.bytes
}

export function hotDelete(key: string): void {
  const h = hot.get(key)
  if (h) drop(key, h)
}
