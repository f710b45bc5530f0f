/**
 * @module Merges route files split per team into one route table. `clusters` and `virtual_hosts` concatenate
 * in file order; every other top-level key (`gateway`, `http_filters`) may appear in one file only. Keeps where
 * each merged element came from, so an issue on the merged table is reported at its file and line.
 */
import { isMap, type Document } from 'yaml'
import { formatPath, lineOf, parsePath, type Segment } from './locate.ts'
import type { SourceFile } from './sources.ts'

/** Top-level lists that concatenate across files. */
export const CONCATENATED = ['clusters', 'virtual_hosts'] as const

/** An issue placed in a file: `file:line path: message`, where `path` is local to the file. */
export interface LocatedIssue {
  file?: string
  line?: number
  column?: number
  path: string
  message: string
}

export interface MergedTable {
  /** The merged table, as plain data (what is validated, stored and hashed). */
  raw: Record<string, unknown>
  /** Problems with the split itself (e.g. `gateway` in two files). */
  issues: LocatedIssue[]
  /** Places an issue path of the merged table in its file (path made local to that file). */
  locate(path: string): Omit<LocatedIssue, 'message'>
}

export function mergeSources(sources: readonly SourceFile[]): MergedTable {
  const raw: Record<string, unknown> = {}
  const issues: LocatedIssue[] = []
  const owner = new Map<string, SourceFile>()
  const items = new Map<string, { source: SourceFile; index: number }[]>(CONCATENATED.map((k) => [k, []]))
  const place = (source: SourceFile, path: Segment[]) => ({
    file: source.name,
    line: lineOf(source.doc, source.lines, path),
    path: formatPath(path),
  })
  const at = (source: SourceFile, path: Segment[], message: string): LocatedIssue => ({ ...place(source, path), message })

  for (const source of sources) {
    const data = (source.doc as Document).toJS({ maxAliasCount: 100 }) as unknown
    if (data === null || data === undefined) continue // only comments
    if (!isMap(source.doc.contents)) {
      issues.push(at(source, [], 'expected a mapping at the top level (gateway, http_filters, clusters, virtual_hosts)'))
      continue
    }
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if (key === '$schema') continue // an editor hint per file, not part of the table
      const list = items.get(key)
      if (list) {
        if (!Array.isArray(value)) {
          issues.push(at(source, [key], `expected a list (${CONCATENATED.join(' and ')} are lists, joined across files)`))
          continue
        }
        for (let index = 0; index < value.length; index++) list.push({ source, index })
        ;((raw[key] ??= []) as unknown[]).push(...value)
        continue
      }
      const first = owner.get(key)
      if (first) {
        const where = `${first.name}:${lineOf(first.doc, first.lines, [key]) ?? 1}`
        issues.push(at(source, [key], `also defined in ${where}; "${key}" may appear in one file only (only ${CONCATENATED.join(' and ')} can be split across files)`))
        continue
      }
      owner.set(key, source)
      raw[key] = value
    }
  }

  const locate = (path: string) => {
    const segs = parsePath(path)
    const [head, index, ...rest] = segs
    const list = typeof head === 'string' ? items.get(head) : undefined
    const item = list && typeof index === 'number' ? list[index] : undefined
    if (item) return place(item.source, [head as string, item.index, ...rest])
    const source = typeof head === 'string' ? (owner.get(head) ?? list?.[0]?.source) : undefined
    return source ? place(source, segs) : { path }
  }
  return { raw, issues, locate }
}
