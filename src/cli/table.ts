/**
 * @module Loads a route table the way every command does: expand paths, parse, merge split files, validate with
 * the schema and cross-checks, and place every issue at its file and line.
 */
import type { GatewayConfig } from '../config/schema.ts'
import { validateConfig } from '../snapshot/validate.ts'
import type { FilterFactory } from '../filters/types.ts'
import { mergeSources, type LocatedIssue } from './merge.ts'
import { parsePath } from './locate.ts'
import { expandPaths, readSources } from './sources.ts'

export interface ValidTable {
  ok: true
  files: string[]
  /** The merged table as written: what is stored and hashed. */
  raw: Record<string, unknown>
  /** The same, parsed with defaults applied. */
  config: GatewayConfig
  /** The registry that validated it (its fingerprint seals what is pushed: src/snapshot/seal.ts). */
  filters: readonly FilterFactory[]
}
export type LoadedTable = ValidTable | { ok: false; files: string[]; issues: LocatedIssue[] }

/**
 * @param paths files and directories from the command line
 * @throws UsageError for missing paths (exit 2); an invalid table is a result, not an exception
 */
export function loadTable(paths: readonly string[], filters: readonly FilterFactory[], command: string): LoadedTable {
  const files = expandPaths(paths, command)
  const { sources, syntax } = readSources(files)
  if (syntax.length)
    return { ok: false, files, issues: syntax.map((s) => ({ ...s, path: '' })) }
  const merged = mergeSources(sources)
  const table = checkTable(merged.raw, filters, files, merged.issues, merged.locate)
  if (!table.ok) sortIssues(table.issues, sources.map((s) => s.name))
  return table
}

/** In file order, then by line; issues without a file last. Stable, so the validator's order breaks ties. */
function sortIssues(issues: LocatedIssue[], files: readonly string[]): void {
  const rank = (i: LocatedIssue) => (i.file === undefined ? files.length : files.indexOf(i.file))
  issues.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0))
}

/** Validates an already-merged table (also used after `npm start` adjusts the demo's echo port). */
export function checkTable(
  raw: Record<string, unknown>,
  filters: readonly FilterFactory[],
  files: string[] = [],
  issues: LocatedIssue[] = [],
  locate: (path: string) => Omit<LocatedIssue, 'message'> = (path) => ({ path })
): LoadedTable {
  const result = validateConfig(raw, filters)
  const all = [...issues]
  if (!result.ok)
    for (const i of result.issues) all.push({ ...locate(i.path), message: relocateMessage(i.message, locate) })
  if (all.length || !result.ok) return { ok: false, files, issues: all }
  return { ok: true, files, raw, config: result.config, filters }
}

/** Messages that cite another place in the merged table ("first defined at clusters[0].name") cite its file. */
function relocateMessage(message: string, locate: (path: string) => Omit<LocatedIssue, 'message'>): string {
  return message.replace(/first defined at ([\w$.[\]-]+)/, (whole, path: string) => {
    if (parsePath(path).length === 0) return whole
    const at = locate(path)
    return at.file ? `first defined at ${at.file}:${at.line ?? 1} ${at.path}` : whole
  })
}

/** Counts for the one-line summary. */
export function summarize(config: GatewayConfig) {
  return {
    virtualHosts: config.virtual_hosts.length,
    routes: config.virtual_hosts.reduce((n, v) => n + v.routes.length, 0),
    clusters: config.clusters.length,
    filters: config.http_filters.length,
  }
}
