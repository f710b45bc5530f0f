/**
 * @module The compiled route table of one virtual host: ordered routes, first match wins (Envoy), with a path
 * index so that a lookup costs about the path's length plus the candidates it yields, not the number of routes.
 */
import type { HeaderReader } from '../http/upstream-headers.ts'
import type { RouteMatch } from '../config/schema.ts'
import { compileRoute, type IndexableMatch, indexRoute, RequestView, type CompiledRoute, type RouteIndex } from './_compile-route.ts'
import { createTrie, trieCollect, trieInsert } from './_prefix-trie.ts'

/** What route matching reads from a request. */
export interface MatchInput {
  /** The normalized path, without the query. */
  path: string
  method: string
  /** The upstream-bound headers (read one by one: a `Headers`, or the pipeline's not yet built). */
  headers: HeaderReader
  /** The raw query, with its leading `?`, or '' (as `URL.search`). */
  search: string
}

/** The route that matched. */
export interface RouteHit {
  /** Index into the route list the table was built from. */
  index: number
  /** Template captures by name; `{}` for other path specifiers. */
  params: Record<string, string>
  /** exact: the whole path; prefix/segment_prefix: the path's first `prefix.length` characters, as received. */
  matchedPrefix?: string
}

/** A compiled, immutable route table. */
export interface RouteTable {
  /** Number of routes. */
  readonly size: number
  /** The first route (in list order) whose predicates all hold, or undefined. */
  match(input: MatchInput): RouteHit | undefined
}

const pushTo = (map: Map<string, number[]>, key: string, index: number) => {
  const list = map.get(key)
  if (list) list.push(index)
  else map.set(key, [index])
}

/**
 * Compiles routes into a table. Index: per case mode, a Map for `exact` routes and a radix trie keyed by the
 * literal prefix of prefix, segment_prefix, template and regex routes (a regex with no extractable prefix sits
 * at the root, so it is a candidate for every path). A lookup gathers the candidate lists, merges them in
 * ascending route order and returns the first candidate whose predicates hold: the result is the same as a
 * linear scan. Cost: the path's length plus the candidates tried, so routes that share one literal prefix and
 * differ only in headers, query or cookies are still tried one by one.
 * Header matchers see `Headers.get()` values: several lines of one header are joined with ", ".
 * @param routes - the virtual host's route matches, in config order; `RouteHit.index` points into this list.
 * @param resolve - lazy mode: `routes` are only indexed (their strings read, src/router/_compile-route.ts
 *   `indexRoute`), and route i is compiled from `resolve(i)` the first time a lookup tries it. Without it every
 *   route is compiled now.
 * @throws Error when a template does not parse (config validation reports it earlier); in lazy mode, from the
 *   lookup that first tries the route.
 * @example
 * const table = createRouteTable([routeMatch.parse({ template: '/users/{id}' })])
 * table.match({ path: '/users/42', method: 'GET', headers: new Headers(), search: '' }) // { index: 0, params: { id: '42' } }
 */
export function createRouteTable(routes: readonly IndexableMatch[], resolve?: (index: number) => RouteMatch): RouteTable {
  const compiled: (CompiledRoute | undefined)[] = resolve ? new Array(routes.length) : (routes as readonly RouteMatch[]).map(compileRoute)
  const index: readonly RouteIndex[] = resolve ? routes.map(indexRoute) : (compiled as CompiledRoute[])
  const exact = new Map<string, number[]>()
  const exactFolded = new Map<string, number[]>()
  const trie = createTrie()
  const trieFolded = createTrie()
  let anyFolded = false
  index.forEach((r, i) => {
    if (!r.caseSensitive) anyFolded = true
    if (r.kind === 'exact') pushTo(r.caseSensitive ? exact : exactFolded, r.key, i)
    else trieInsert(r.caseSensitive ? trie : trieFolded, r.key, i)
  })

  function evaluate(i: number, path: string, lower: string, view: { v?: RequestView }, input: MatchInput) {
    const r = compiled[i] ?? (compiled[i] = compileRoute(resolve!(i), i))
    if (r.methods && !r.methods.includes(input.method)) return undefined
    const res = r.testPath(path, lower)
    if (!res) return undefined
    if (r.testRest && !r.testRest((view.v ??= new RequestView(input)))) return undefined
    const hit: RouteHit = { index: i, params: res.params }
    if (res.matchedPrefix !== undefined) hit.matchedPrefix = res.matchedPrefix
    return hit
  }

  function match(input: MatchInput): RouteHit | undefined {
    const path = input.path
    const lower = anyFolded ? path.toLowerCase() : path
    const lists: number[][] = []
    const e = exact.get(path)
    if (e) lists.push(e)
    if (anyFolded) {
      const f = exactFolded.get(lower)
      if (f) lists.push(f)
      trieCollect(trieFolded, lower, lists)
    }
    trieCollect(trie, path, lists)
    const view: { v?: RequestView } = {}
    if (lists.length === 1) {
      for (const i of lists[0]!) {
        const hit = evaluate(i, path, lower, view, input)
        if (hit) return hit
      }
      return undefined
    }
    // k-way merge of sorted lists: k is small (index nodes on the path), so a linear scan of heads is enough.
    const heads = new Array<number>(lists.length).fill(0)
    for (;;) {
      let best = -1
      let bestRoute = Number.POSITIVE_INFINITY
      for (let k = 0; k < lists.length; k++) {
        const list = lists[k]!
        const at = heads[k]!
        if (at < list.length && list[at]! < bestRoute) {
          bestRoute = list[at]!
          best = k
        }
      }
      if (best < 0) return undefined
      heads[best]!++
      const hit = evaluate(bestRoute, path, lower, view, input)
      if (hit) return hit
    }
  }

  return { size: routes.length, match }
}
