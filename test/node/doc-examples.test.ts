/**
 * @module Every ```yaml / ```json example in README.md and docs/*.md validates with the real validator (issue 12
 * §2). A block that is not a whole table says so on the line before its fence:
 *   <!-- not-config -->                    output, a response body, anything that is not route-table config
 *   <!-- fragment: table -->               part of a table: a catch-all virtual host is added when it has none
 *   <!-- fragment: http_filters entry -->  one entry, or a list of them
 *   <!-- fragment: filter-config NAME -->  the `config` of filter NAME
 *   <!-- fragment: route | virtual_host | cluster -->  one, or a list
 *   <!-- fragment: gateway -->             the `gateway:` settings
 *   <!-- file: PATH -->                    a whole table, shown as the file PATH holds it (filter-docs.test.ts)
 * Fragments are wrapped into a minimal table, with a stub cluster for every cluster they name but do not define.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LineCounter, parseDocument } from 'yaml'
import { lineOf, parsePath, type Segment } from '../../src/cli/locate.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import { requireTenant } from '../../examples/custom-filter/src/require-tenant.ts'

const ROOT = new URL('../../', import.meta.url)

/** The custom filter of docs/filters.md (examples/custom-filter), so its YAML examples are validated too. */
const FILTERS = createRegistry([requireTenant])

interface Block {
  file: string
  /** 1-based line of the opening fence. */
  line: number
  lang: string
  marker: string | undefined
  text: string
}

/** Fenced yaml/yml/json blocks, with the HTML comment on the nearest non-blank line before the fence. */
function extractBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!)
    if (!open) continue
    const [, indent, fence, lang] = open
    let end = i + 1
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) end++
    if (/^(ya?ml|json)$/i.test(lang!)) {
      let k = i - 1
      while (k >= 0 && !lines[k]!.trim()) k--
      const marker = k >= 0 ? /^\s*<!--\s*(.*?)\s*-->\s*$/.exec(lines[k]!)?.[1] : undefined
      const text = lines.slice(i + 1, end).map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l)).join('\n')
      blocks.push({ file, line: i + 1, lang: lang!.toLowerCase(), marker, text })
    }
    i = end
  }
  return blocks
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const CATCH_ALL = { name: 'doc-example', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200 } }] }

/** Cluster names a fragment refers to (forward, weighted_clusters, remote_jwks, ext_authz). */
function namedClusters(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => namedClusters(x, out))
  else if (isObj(v))
    for (const [k, x] of Object.entries(v)) {
      if (k === 'cluster' && typeof x === 'string') out.add(x)
      else if (k === 'weighted_clusters' && Array.isArray(x)) x.forEach((w) => isObj(w) && typeof w.name === 'string' && out.add(w.name))
      namedClusters(x, out)
    }
  return out
}

/** Adds a stub for every cluster the table names and does not define. */
function withStubClusters(table: Record<string, unknown>): Record<string, unknown> {
  const defined = new Set((Array.isArray(table.clusters) ? table.clusters : []).map((c) => (isObj(c) ? c.name : undefined)))
  const stubs = [...namedClusters(table)].filter((n) => !defined.has(n)).map((name) => ({ name, endpoints: [{ url: 'http://127.0.0.1:9' }] }))
  return stubs.length ? { ...table, clusters: [...(Array.isArray(table.clusters) ? table.clusters : []), ...stubs] } : table
}

/** The table to validate for a block, and where the block sits in it (to map issue paths back to lines). */
function toTable(marker: string | undefined, value: unknown): { table: unknown; at: Segment[] } | { error: string } {
  if (marker?.startsWith('file:')) return { table: value, at: [] }
  const kind = marker?.match(/^fragment:\s*(.+)$/)?.[1]?.trim()
  if (marker !== undefined && kind === undefined) return { error: `unknown marker <!-- ${marker} --> (use not-config or fragment: …)` }
  if (kind === undefined) return { table: value, at: [] }
  const many = Array.isArray(value)
  const list = many ? value : [value]
  const wrap = (table: Record<string, unknown>, at: Segment[]) => ({
    table: withStubClusters({ virtual_hosts: [CATCH_ALL], ...table }),
    at: many ? at : [...at, 0],
  })
  const filter = /^filter-config\s+(\S+)$/.exec(kind)
  if (filter) return { table: withStubClusters({ http_filters: [{ name: filter[1], config: value }], virtual_hosts: [CATCH_ALL] }), at: ['http_filters', 0, 'config'] }
  switch (kind) {
    case 'table':
      return isObj(value) ? { table: withStubClusters({ virtual_hosts: [CATCH_ALL], ...value }), at: [] } : { error: 'a table fragment is a mapping' }
    case 'http_filters entry':
      return wrap({ http_filters: list }, ['http_filters'])
    case 'route':
      return wrap({ virtual_hosts: [{ ...CATCH_ALL, routes: list }] }, ['virtual_hosts', 0, 'routes'])
    case 'virtual_host':
      return wrap({ virtual_hosts: list }, ['virtual_hosts'])
    case 'cluster':
      return wrap({ clusters: list }, ['clusters'])
    case 'gateway':
      return { table: { gateway: value, virtual_hosts: [CATCH_ALL] }, at: ['gateway'] }
    default:
      return { error: `unknown fragment kind "${kind}"` }
  }
}

/** `file:line: path: message` for every problem of one block; [] when it validates (or is not config). */
function checkBlock(b: Block): string[] {
  if (b.marker !== undefined && /^not-config\b/.test(b.marker)) return []
  const lines = new LineCounter()
  const doc = parseDocument(b.text, { lineCounter: lines, prettyErrors: false })
  const here = (line: number | undefined) => `${b.file}:${b.line + (line ?? 1)}`
  if (doc.errors.length) return doc.errors.map((e) => `${here(e.linePos?.[0].line)}: not valid ${b.lang}: ${e.message}`)
  const wrapped = toTable(b.marker, doc.toJS())
  if ('error' in wrapped) return [`${b.file}:${b.line}: ${wrapped.error}`]
  const result = validateConfig(wrapped.table, FILTERS)
  if (result.ok) return []
  return result.issues.map((i) => {
    const path = parsePath(i.path)
    const inside = wrapped.at.every((s, k) => path[k] === s) ? path.slice(wrapped.at.length) : []
    return `${here(lineOf(doc, lines, inside))}: ${i.path || '(root)'}: ${i.message}`
  })
}

const DOCS = ['README.md', ...readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const blocks = DOCS.flatMap((f) => extractBlocks(f, readFileSync(new URL(f, ROOT), 'utf8')))

describe('examples in README.md and docs/', () => {
  it('finds the examples (README quick start, jwt_authn, protecting paths)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5)
    expect(blocks.filter((b) => b.file === 'README.md' && b.lang === 'yaml').length).toBeGreaterThanOrEqual(1)
  })

  it('every yaml/json block validates with the real validator, or is marked as a fragment or not-config', () => {
    const problems = blocks.flatMap(checkBlock)
    expect(problems, 'fix the example, or mark it (see the header of this test)').toEqual([])
  })
})

describe('the checker itself', () => {
  const md = (marker: string, body: string) => `# t\n\n${marker}\n\n\`\`\`yaml\n${body}\n\`\`\`\n`
  const check = (marker: string, body: string) => extractBlocks('t.md', md(marker, body)).flatMap(checkBlock)

  it('fails an unmarked block that is not a whole table, with file:line, path and message', () => {
    const problems = check('', 'clusters:\n  - name: api\n    endpoints: [{ url: "http://a" }]\n    lb_policy: fastest')
    expect(problems.some((p) => /^t\.md:9: clusters\[0\]\.lb_policy: /.test(p))).toBe(true)
  })

  it('validates fragments in their context, and skips not-config blocks', () => {
    expect(check('<!-- fragment: route -->', 'match: { prefix: /a }\nforward: { cluster: api }')).toEqual([])
    expect(check('<!-- fragment: filter-config ip_filter -->', 'deny: { cidrs: [203.0.113.0/24] }')).toEqual([])
    expect(check('<!-- fragment: filter-config ip_filter -->', 'deny: [203.0.113.0/24]')[0]).toMatch(/^t\.md:6: http_filters\[0\]\.config\.deny: /)
    expect(check('<!-- fragment: cluster -->', '- name: a\n  endpoints: []')[0]).toMatch(/^t\.md:7: clusters\[0\]\.endpoints: /)
    expect(check('<!-- not-config -->', '{ "status": 503 }')).toEqual([])
    expect(check('<!-- fragment: nonsense -->', 'a: 1')).toEqual(['t.md:5: unknown fragment kind "nonsense"'])
  })
})
