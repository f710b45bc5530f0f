/**
 * @module Import cycles (issue 15 §3): no runtime import cycle in src/ or durable/ beyond the known ones listed here.
 * A runtime cycle makes module evaluation order decide whether a value exists yet (a `const` read before its module
 * ran throws, a class extended too early is undefined). Type-only cycles (`import type`) vanish at compile time and
 * are allowed; the test prints them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cycleGroups, cyclePath, importGraph } from './_import-graph.ts'

const ROOT = resolve(import.meta.dirname, '../..')

/**
 * Runtime cycles that exist today, each a strongly connected group of modules (sorted) with a one-line note. The
 * test fails when a group appears that is not here, and when one listed here is gone or changed: take it off
 * the list in the change that fixes it, so the list only shrinks.
 */
const KNOWN_RUNTIME_CYCLES: ReadonlyArray<{ modules: readonly string[]; note: string }> = []

const key = (modules: readonly string[]) => modules.join(' | ')

describe('import cycles in src/ and durable/', () => {
  it('has no runtime cycle beyond the known ones, and every known one still exists', { timeout: 120_000 }, async () => {
    const graph = await importGraph(ROOT, ['src', 'durable'])
    const runtime = cycleGroups(graph.runtime)
    const typeOnly = cycleGroups(graph.all).filter((g) => !runtime.some((r) => g.every((m) => r.includes(m))))
    console.log(
      `import cycles: ${graph.runtime.size} modules, ${runtime.length} runtime cycle group(s), ${typeOnly.length} type-only (allowed):\n` +
        typeOnly.map((g) => `  type-only: ${cyclePath(graph.all, g)}`).join('\n')
    )
    const known = new Set(KNOWN_RUNTIME_CYCLES.map((c) => key(c.modules)))
    const found = new Set(runtime.map(key))
    const fresh = runtime.filter((g) => !known.has(key(g))).map((g) => `  ${cyclePath(graph.runtime, g)}\n    (group: ${key(g)})`)
    const gone = KNOWN_RUNTIME_CYCLES.filter((c) => !found.has(key(c.modules))).map((c) => `  ${key(c.modules)} (${c.note})`)
    if (fresh.length || gone.length)
      expect.fail(
        (fresh.length ? `new runtime import cycle(s); break them (move the shared part to a module both import, or use \`import type\`):\n${fresh.join('\n')}\n` : '') +
          (gone.length ? `listed runtime cycle(s) no longer found as listed; update KNOWN_RUNTIME_CYCLES in this file:\n${gone.join('\n')}` : '')
      )
  })
})

describe('the cycle check itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'legate-cycles-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', verbatimModuleSyntax: true, allowImportingTsExtensions: true, noEmit: true } }),
    // a ⇄ b at runtime
    'src/a.ts': "import { b } from './b.ts'\nexport const a = () => b",
    'src/b.ts': "import { a } from './a.ts'\nexport const b = () => a",
    // c ⇄ d through `import type` only: erased
    'src/c.ts': "import type { D } from './d.ts'\nexport type C = { d?: D }\nexport const c = 1",
    'src/d.ts': "import { c } from './c.ts'\nexport type D = number\nexport const d = c",
    // e ⇄ f where f uses `import { type E }`: kept as `import {} from './e.ts'` under verbatimModuleSyntax
    'src/e.ts': "import { f } from './f.ts'\nexport type E = number\nexport const e = f",
    'src/f.ts': "import { type E } from './e.ts'\nexport const f: E = 1",
    // g ⇄ h through `export type … from` and a type-position import(): erased
    'src/g.ts': "export type { H } from './h.ts'\nexport const g = 1",
    'src/h.ts': "import { g } from './g.ts'\nexport type H = typeof import('./g.ts')\nexport const h = g",
  }

  it('finds runtime cycles, ignores `import type` and `export type` ones, and counts `import { type X }` as runtime', async () => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    const graph = await importGraph(dir, ['src'])
    expect(cycleGroups(graph.runtime)).toEqual([
      ['src/a.ts', 'src/b.ts'],
      ['src/e.ts', 'src/f.ts'],
    ])
    expect(cycleGroups(graph.all)).toHaveLength(4)
    expect(cyclePath(graph.runtime, ['src/a.ts', 'src/b.ts'])).toBe('src/a.ts → src/b.ts → src/a.ts')
  })
})
