/**
 * docs/filters.md and the extension surface: the generated filter table and reference are current, every file
 * the docs show is the example project's file word for word, the example validates with `legate validate
 * --filters` and builds with `wrangler deploy --dry-run`, and the error-code table of docs/architecture.md
 * matches the registry (code, status, flag, owner).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { FILTER_DOCS_PATH, regenerate } from '../../src/cli/filter-docs.ts'
import { OFFLINE_ENV, wranglerCommand } from '../../src/cli/wrangler.ts'
import { BUILTIN_FILTERS, errorCatalog } from '../../src/filters/registry.ts'
import { legate, ROOT } from '../cli/helpers.ts'

const EXAMPLE = join(ROOT, 'examples/custom-filter')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const out = mkdtempSync(join(tmpdir(), 'legate-example-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('docs/filters.md', () => {
  it('its generated sections are current (run `npm run docs`)', () => {
    const doc = read(FILTER_DOCS_PATH)
    expect(regenerate(doc)).toBe(doc)
  })

  it('shows the example project word for word: every <!-- file: PATH --> block is the file at PATH', () => {
    const blocks = [...read(FILTER_DOCS_PATH).matchAll(/<!-- file: (\S+) -->\n```\w+\n([\s\S]*?)\n```/g)]
    expect(blocks.map((b) => b[1])).toEqual([
      'examples/custom-filter/src/require-tenant.ts',
      'examples/custom-filter/src/filters.ts',
      'examples/custom-filter/src/entry.ts',
      'examples/custom-filter/routes/api.yaml',
      'examples/custom-filter/test/require-tenant.test.ts',
    ])
    for (const [, path, body] of blocks) expect(`${body}\n`, path).toBe(read(path!))
  })
})

describe('examples/custom-filter', () => {
  it('validates with `legate validate --filters src/filters.ts routes/`, and not without its filters', async () => {
    const cwd = process.cwd()
    process.chdir(EXAMPLE)
    try {
      const ok = await legate('validate', '--filters', 'src/filters.ts', 'routes/')
      expect(ok.stderr).toBe('')
      expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('1 filter') })
      const without = await legate('validate', 'routes/')
      expect(without.code).toBe(1)
      expect(without.stderr).toContain('require_tenant')
    } finally {
      process.chdir(cwd)
    }
  })

  it('builds with `wrangler deploy --dry-run`: the entry exports the gateway and Legate\'s Durable Objects', { timeout: 120_000 }, async () => {
    const { file, args } = wranglerCommand()
    const { stdout } = await promisify(execFile)(file, [...args, 'deploy', '--dry-run', '--outdir', out], { cwd: EXAMPLE, env: { ...process.env, ...OFFLINE_ENV } })
    expect(stdout).toContain('--dry-run: exiting now.')
    for (const binding of ['CLUSTER_HEALTH (ClusterHealth)', 'RATE_LIMITER (RateLimiter)', 'STATS (Stats)', 'RECORDER (Recorder)']) expect(stdout).toContain(binding)
    const bundle = readdirSync(out).find((f) => f.endsWith('.js'))!
    expect(readFileSync(join(out, bundle), 'utf8')).toContain('require_tenant')
  })
})

describe('docs/architecture.md error codes', () => {
  it('lists every code of the core and the built-in filters once, with its status, flag and owner', () => {
    const rows = [...read('docs/architecture.md').matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d{3})[^|]*\| `([A-Z]+)` \| `?([a-z_]+)`? \|/gm)].map((m) => ({
      code: m[1],
      status: Number(m[2]),
      flag: m[3],
      owner: m[4],
    }))
    const expected = errorCatalog(BUILTIN_FILTERS).map((c) => ({ code: c.code, status: c.def.status, flag: c.def.flag, owner: c.owner }))
    const byCode = (a: { code?: string }, b: { code?: string }) => a.code!.localeCompare(b.code!)
    expect(rows.sort(byCode)).toEqual(expected.sort(byCode))
  })
})
