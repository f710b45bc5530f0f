/**
 * @module The in-isolate layer in front of the Cache API: small entries this isolate just stored or read, kept
 * for at most {@link HOT_MS} (so a purge by URL reaches other isolates' copies within that), within a byte budget.
 * A hit then costs no Cache API call. Freshness is still decided from the entry's own metadata.
 */

export const HOT_MS = 1_000
export const HOT_MAX_ENTRY = 256 * 1024
const HOT_MAX_TOTAL = 8 * 1024 * 1024

interface Hot {
  until: number
  status: number
  headers: Headers
  body: Uint8Array | null
}
const hot = new Map<string, Hot>()
let total = 0

function drop(key: string, h: Hot) {
  hot.delete(key)
  total -= h.body?.byteLength ?? 0
}

/** A copy of the stored response under `key`, if this isolate holds one young enough. */
export function hotGet(key: string): Response | undefined {
  const h = hot.get(key)
  if (!h) return undefined
  if (Date.now() < h.until) return new Response(h.body, { status: h.status, headers: h.headers })
  drop(key, h)
}

/** Keeps a stored response (its headers as stored, with the entry's metadata); a full layer starts over. */
export function hotPut(key: string, status: number, headers: Headers, body: Uint8Array | null): void {
  const size = body?.byteLength ?? 0
  if (size > HOT_MAX_ENTRY) return
  hotDelete(key)
  if (total + size > HOT_MAX_TOTAL) {
    hot.clear()
    total = 0
  }
  hot.set(key, { until: Date.now() + HOT_MS, status, headers, body })
  total += size
}

export function hotDelete(key: string): void {
  const h = hot.get(key)
  if (h) drop(key, h)
}
