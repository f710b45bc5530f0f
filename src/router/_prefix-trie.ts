/**
 * @module A radix trie from literal path prefixes to route indices. Walking a path through it yields, in one
 * pass over the path, every route whose literal prefix the path starts with.
 */

/**
 * A trie node. `label` is the text on the edge from the parent (non-empty except at the root); children are
 * keyed by their label's first character; `routes` holds ascending route indices whose literal prefix ends here.
 */
export interface TrieNode {
  label: string
  next: Map<number, TrieNode> | undefined
  routes: number[] | undefined
}

/** Creates an empty trie. */
export const createTrie = (): TrieNode => ({ label: '', next: undefined, routes: undefined })

/**
 * Adds a route under `key`, splitting an edge where `key` leaves it. Insert in ascending route order so each
 * list stays sorted.
 */
export function trieInsert(root: TrieNode, key: string, route: number): void {
  let node = root
  let i = 0
  while (i < key.length) {
    const c = key.charCodeAt(i)
    const child = node.next?.get(c)
    if (!child) {
      node.next ??= new Map()
      node.next.set(c, { label: key.slice(i), next: undefined, routes: [route] })
      return
    }
    const label = child.label
    const max = Math.min(label.length, key.length - i)
    let j = 1 // the first character matched through the map
    while (j < max && label.charCodeAt(j) === key.charCodeAt(i + j)) j++
    if (j < label.length) {
      // Split in place: the parent's map still points at `child`, whose label keeps its first character.
      const tail: TrieNode = { label: label.slice(j), next: child.next, routes: child.routes }
      child.label = label.slice(0, j)
      child.next = new Map([[tail.label.charCodeAt(0), tail]])
      child.routes = undefined
    }
    node = child
    i += j
  }
  if (node.routes) node.routes.push(route)
  else node.routes = [route]
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
