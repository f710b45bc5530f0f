/**
 * @module A character trie from literal path prefixes to route indices. Walking a path through it yields, in
 * one pass of at most path.length steps, every route whose literal prefix the path starts with.
 */

/** A trie node. `routes` holds ascending route indices whose literal prefix ends here. */
export interface TrieNode {
  next: Map<number, TrieNode> | undefined
  routes: number[] | undefined
}

/** Creates an empty trie. */
export const createTrie = (): TrieNode => ({ next: undefined, routes: undefined })

/** Adds a route under `key`. Insert routes in ascending index order so each node's list stays sorted. */
export function trieInsert(root: TrieNode, key: string, route: number): void {
  let node = root
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    node.next ??= new Map()
    let child = node.next.get(c)
    if (!child) node.next.set(c, (child = createTrie()))
    node = child
  }
  if (node.routes) node.routes.push(route)
  else node.routes = [route]
}

/** Appends to `out` the route lists of every node on the path of `s` (prefixes of `s`, shortest first). */
export function trieCollect(root: TrieNode, s: string, out: number[][]): void {
  let node: TrieNode | undefined = root
  if (node.routes) out.push(node.routes)
  for (let i = 0; i < s.length; i++) {
    node = node.next?.get(s.charCodeAt(i))
    if (!node) return
    if (node.routes) out.push(node.routes)
  }
}

/** True when nothing was inserted. */
export const trieIsEmpty = (root: TrieNode): boolean => !root.next && !root.routes
