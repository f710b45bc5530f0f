/**
 * @module Flattens a route table to `path = value` lines and compares two of them. Lists of named things
 * (clusters, virtual hosts, routes, filters) are keyed by name, so inserting a route does not shift the rest.
 */
export type FlatTable = Map<string, string>

const isNamedList = (v: unknown[]) => {
  const names = v.map((x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as { name?: unknown }).name : undefined))
  return names.every((n) => typeof n === 'string') && new Set(names).size === names.length
}

export function flatten(value: unknown, path = '', out: FlatTable = new Map()): FlatTable {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, '[]')
    const named = isNamedList(value)
    value.forEach((item, i) => {
      const key = named ? JSON.stringify((item as { name: string }).name) : String(i)
      flatten(item, `${path}[${key}]`, out)
    })
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0 && path) out.set(path, '{}')
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out)
  } else out.set(path, JSON.stringify(value) ?? 'undefined')
  return out
}

export interface FlatDiff {
  added: [path: string, value: string][]
  removed: [path: string, value: string][]
  changed: [path: string, from: string, to: string][]
}

/** Paths in `to` but not `from` are added, and so on; output order follows `from`, then new paths in `to` order. */
export function diffFlat(from: FlatTable, to: FlatTable): FlatDiff {
  const diff: FlatDiff = { added: [], removed: [], changed: [] }
  for (const [path, value] of from) {
    const next = to.get(path)
    if (next === undefined) diff.removed.push([path, value])
    else if (next !== value) diff.changed.push([path, value, next])
  }
  for (const [path, value] of to) if (!from.has(path)) diff.added.push([path, value])
  return diff
}
