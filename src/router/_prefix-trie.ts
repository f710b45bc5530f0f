/**
 * @module A radix trie from literal path prefixes to route indices. Walking a path through it yields, in one
 * pass over the path, every route whose literal prefix the path starts with.
 */

/**
 * A trie node. `label` is the text on the edge from the parent (one character until {@link trieCompress}
 * merges chains); `routes` holds ascending route indices whose literal prefix ends here.
 */
export interface TrieNode {
  label: string
  next: Map<number, TrieNode> | undefined
  routes: number[] | undefined
}

const createNode = (label: string): TrieNode => ({ label, next: undefined, routes: undefined })

/** Creates an empty trie. */
export const createTrie = (): TrieNode => createNode('')

/** Adds a route under `key`. Insert in ascending route order so each list stays sorted; before compressing. */
export function trieInsert(root: TrieNode, key: string, route: number): void {
  let node = root
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    node.next ??= new Map()
    let child = node.next.get(c)
    if (!child) node.next.set(c, (child = createNode(key[i]!)))
    node = child
  }
  if (node.routes) node.routes.push(route)
  else node.routes = [route]
}

/**
 * Merges each chain of nodes that have one child and no routes into a single edge, so a lookup takes one
 * `Map.get` plus one `startsWith` per branching point instead of one `Map.get` per character. Call once, after
 * the last insert.
 */
export function trieCompress(node: TrieNode): void {
  if (!node.next) return
  for (const [c, child] of node.next) {
    let merged = child
    while (!merged.routes && merged.next?.size === 1) {
      const only: TrieNode = merged.next.values().next().value!
      merged = { label: merged.label + only.label, next: only.next, routes: only.routes }
    }
    if (merged !== child) node.next.set(c, merged)
    trieCompress(merged)
  }
}

/** Appends to `out` the route lists of every node on the path of `s` (prefixes of `s`, shortest first). */
export function trieCollect(root: TrieNode, s: string, out: number[][]): void {
  let node = root
  let i = 0
  if (node.routes) out.push(node.routes)
  while (node.next && i < s.length) {
    const child = node.next.get(s.charCodeAt(i))
    if (!child || !s.startsWith(child.label, i)) return
    i += child.label.length
    node = child
    if (node.routes) out.push(node.routes)
  }
}
