/**
 * @module Maps an issue path (`virtual_hosts[0].routes[3].forward.cluster`) to a line in a parsed YAML/JSON
 * document: the deepest node that exists on that path (a missing key points at its parent).
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'

export type Segment = string | number

/** Parses the path syntax of `toPath` in src/config/issues.ts: `a.b[3].c`. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = []
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]!)
  return out
}

/** The inverse of `parsePath` (same output as `toPath`). */
export function formatPath(segments: readonly Segment[]): string {
  let out = ''
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s
  return out
}

/** 1-based line of the deepest node on `segments`; undefined for an empty document. */
export function lineOf(doc: Document, lines: LineCounter, segments: readonly Segment[]): number | undefined {
  let node: unknown = doc.contents
  let at: number | undefined = rangeStart(node)
  for (let i = 0; i < segments.length && node; i++) {
    const seg = segments[i]!
    if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg]
      if (node === undefined) break
      at = rangeStart(node) ?? at
    } else if (isMap(node)) {
      // Keys may contain dots (`toPath` does not escape them): try the longest join of the remaining segments.
      const pairs = node.items
      let found = false
      for (let j = segments.length; j > i && !found; j--) {
        const key = segments.slice(i, j).join('.')
        const pair = pairs.find((p) => isScalar(p.key) && String(p.key.value) === key)
        if (!pair) continue
        found = true
        at = rangeStart(pair.key) ?? rangeStart(pair.value) ?? at
        node = pair.value
        i = j - 1
      }
      if (!found) break
    } else break
  }
  return at === undefined ? undefined : lines.linePos(at).line
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0]
}
