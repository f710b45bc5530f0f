/** @module User-facing text: issues one per line, counts, durations, versions. */
import type { LocatedIssue } from './merge.ts'
import type { summarize } from './table.ts'

/** `routes/users.yaml:14 virtual_hosts[0].routes[3].forward.cluster: unknown cluster "users-v2" (known: …)` */
export function formatIssue(i: LocatedIssue): string {
  const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''} ` : ''
  return `${where}${i.path ? `${i.path}: ` : ''}${i.message}`
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function formatSummary(s: ReturnType<typeof summarize>): string {
  return [
    plural(s.virtualHosts, 'virtual host'),
    plural(s.routes, 'route'),
    plural(s.clusters, 'cluster'),
    plural(s.filters, 'filter'),
  ].join(', ')
}

/** 2000 -> "2s", 1500 -> "1.5s", 250 -> "250ms". */
export const formatMs = (ms: number) => (ms < 1000 ? `${ms}ms` : `${ms / 1000}s`)

export const shortSha = (sha: string) => sha.slice(0, 12)
