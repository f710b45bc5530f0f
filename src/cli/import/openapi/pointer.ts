/** @module JSON pointers (RFC 6901) into an OpenAPI document: encode, decode, get, and set into a sparse copy. */

export const encodeSegment = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')
const decodeSegment = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~')

/** `['paths', '/a', 'get']` → `/paths/~1a/get`. */
export const pointer = (...segments: (string | number)[]) => segments.map((s) => `/${encodeSegment(s)}`).join('')

/** `#/components/schemas/User` or `/components/…` → its segments; undefined for a ref that is not local. */
export function parsePointer(ref: string): string[] | undefined {
  const p = ref.startsWith('#') ? ref.slice(1) : ref
  if (p === '') return []
  if (!p.startsWith('/')) return undefined
  return p.slice(1).split('/').map((s) => decodeSegment(decodeURIComponent(s)))
}

/** The value at `segments` in `doc`, or undefined. */
export function getAt(doc: unknown, segments: readonly string[]): unknown {
  let at: unknown = doc
  for (const s of segments) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, s)) return undefined
    at = (at as Record<string, unknown>)[s]
  }
  return at
}

/** Sets `value` at `segments` in `target`, creating objects on the way (array indexes become object keys). */
export function setAt(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let at = target
  for (const s of segments.slice(0, -1)) {
    const next = at[s]
    at = (typeof next === 'object' && next !== null ? next : (at[s] = {})) as Record<string, unknown>
  }
  at[segments[segments.length - 1]!] = value
}
