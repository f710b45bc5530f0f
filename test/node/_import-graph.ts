/**
 * @module Import graph of the TypeScript sources, for test/node/import-cycles.test.ts. dependency-cruiser resolves
 * every import and labels it; this module decides which edges exist at runtime and finds the cycles.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cruise } from 'dependency-cruiser'
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config'
import ts from 'typescript'

/** One module's local imports, split by whether they survive compilation. */
export interface ImportGraph {
  /** Edges that load the other module when this one loads (static and dynamic imports, re-exports). */
  runtime: Map<string, string[]>
  /** Every local edge, type-only ones included. */
  all: Map<string, string[]>
}

/**
 * Specifiers a file imports or re-exports with a statement that compiles away entirely: `import type`,
 * `export type … from`. Under `verbatimModuleSyntax` (our tsconfig) `import { type A } from './x'` is NOT one:
 * TypeScript and esbuild keep it as `import {} from './x'`, which still loads ./x, although dependency-cruiser
 * labels it type-only.
 */
function erasedSpecifiers(file: string): { erased: Set<string>; kept: Set<string> } {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const erased = new Set<string>()
  const kept = new Set<string>()
  for (const st of src.statements) {
    const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined
    if (spec === undefined) continue
    const typeOnly = ts.isImportDeclaration(st) ? Boolean(st.importClause?.isTypeOnly) : (st as ts.ExportDeclaration).isTypeOnly
    ;(typeOnly ? erased : kept).add(spec)
  }
  return { erased, kept }
}

/**
 * Cruises `dirs` (relative to `baseDir`) with dependency-cruiser and returns the local import graph.
 * @param tsConfig path of the tsconfig used to resolve imports, relative to `baseDir`
 */
export async function importGraph(baseDir: string, dirs: string[], tsConfig = 'tsconfig.json'): Promise<ImportGraph> {
  const config = extractTSConfig(join(baseDir, tsConfig))
  const result = await cruise(
    dirs,
    { baseDir, tsPreCompilationDeps: true, doNotFollow: { path: 'node_modules' }, tsConfig: { fileName: join(baseDir, tsConfig) } },
    undefined,
    { tsConfig: config }
  )
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned a report instead of a result')
  const runtime = new Map<string, string[]>()
  const all = new Map<string, string[]>()
  for (const m of result.output.modules) {
    if (m.coreModule || m.couldNotResolve || m.source.includes('node_modules')) continue
    const local = m.dependencies.filter((d) => d.dependencyTypes.includes('local'))
    const specs = local.length ? erasedSpecifiers(join(baseDir, m.source)) : undefined
    const erased = (d: (typeof local)[number]) =>
      d.dependencyTypes.includes('type-import') || // `import('./x').T` in a type position
      (d.dependencyTypes.includes('type-only') && specs!.erased.has(d.module) && !specs!.kept.has(d.module))
    all.set(m.source, local.map((d) => d.resolved))
    runtime.set(m.source, local.filter((d) => !erased(d)).map((d) => d.resolved))
  }
  return { runtime, all }
}

/** Strongly connected components with a cycle (two modules or more, or a self-import), members sorted. */
export function cycleGroups(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const groups: string[][] = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      group.push(w)
    } while (w !== v)
    if (group.length > 1 || edges.get(v)?.includes(v)) groups.push(group.sort())
  }
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v)
  return groups.sort((a, b) => a[0]!.localeCompare(b[0]!))
}

/** One concrete cycle through the group's first module ("a → b → a"), the shortest, for messages. */
export function cyclePath(edges: ReadonlyMap<string, readonly string[]>, group: readonly string[]): string {
  const members = new Set(group)
  const start = group[0]!
  const prev = new Map<string, string>()
  const queue = [start]
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue
      if (w === start) {
        const path = [v]
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!)
        return [...path, start].join(' → ')
      }
      if (!prev.has(w)) {
        prev.set(w, v)
        queue.push(w)
      }
    }
  }
  return group.join(', ')
}
