/**
 * @module Route files on disk: expands files and directories into a sorted file list and parses each one with
 * `yaml` (JSON is read by the same parser), keeping node ranges so errors can point at a line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import { LineCounter, parseDocument, type Document } from 'yaml'
import { UsageError } from './exit-codes.ts'

const ROUTE_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])
/** Generated for editors, never a route table. */
const SKIPPED = new Set(['schema.json'])
/** Whether a directory entry named `name` is one of its route files (what a directory argument expands to). */
export const isRouteFile = (name: string) => ROUTE_EXTENSIONS.has(extname(name).toLowerCase()) && !SKIPPED.has(name)

/** One parsed route file. */
export interface SourceFile {
  /** As shown to the user: relative to the working directory when inside it. */
  readonly name: string
  readonly doc: Document.Parsed
  readonly lines: LineCounter
}

/** A syntax error in a file, already located. */
export interface SyntaxIssue {
  file: string
  line: number
  column: number
  message: string
}

const display = (path: string) => {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') ? rel : path
}

/**
 * Files named directly are taken whatever their extension; a directory contributes its *.yaml, *.yml and
 * *.json files (not schema.json, not subdirectories), sorted by name so merges are deterministic.
 * @throws UsageError when a path does not exist or a directory holds no route files.
 */
export function expandPaths(paths: readonly string[], command: string): string[] {
  if (paths.length === 0) throw new UsageError('no route files given (pass files or directories, e.g. routes/)', command)
  const out: string[] = []
  for (const p of paths) {
    let stat
    try {
      stat = statSync(p)
    } catch {
      throw new UsageError(`${p}: no such file or directory`, command)
    }
    if (!stat.isDirectory()) {
      out.push(p)
      continue
    }
    const found = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isFile() && isRouteFile(e.name))
      .map((e) => join(p, e.name))
      .sort()
    if (found.length === 0) throw new UsageError(`${p}: no *.yaml, *.yml or *.json route files in this directory`, command)
    out.push(...found)
  }
  return [...new Set(out)]
}

/** Parses every file; syntax errors are collected (all of them, from every file), not thrown. */
export function readSources(files: readonly string[]): { sources: SourceFile[]; syntax: SyntaxIssue[] } {
  const sources: SourceFile[] = []
  const syntax: SyntaxIssue[] = []
  for (const file of files) {
    const name = display(file)
    const lines = new LineCounter()
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: false })
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const pos = lines.linePos(e.pos[0])
        syntax.push({ file: name, line: pos.line, column: pos.col, message: firstLine(e.message) })
      }
      continue
    }
    if (doc.contents === null) {
      syntax.push({ file: name, line: 1, column: 1, message: 'the file is empty (a route table is a YAML or JSON object with clusters, virtual_hosts, …)' })
      continue
    }
    sources.push({ name, doc, lines })
  }
  return { sources, syntax }
}

const firstLine = (s: string) => s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
