/**
 * Every `npx legate …` command written in README.md and docs/*.md names a real command with real flags: each is
 * run with `--help` added (which parses every flag strictly first) and must exit 0.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { legate, ROOT } from './helpers.ts'

const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** `npx legate diff routes/ --exit-code   # comment` → ['diff', 'routes/', '--exit-code'], from code blocks and `inline code`. */
function commands(): { file: string; line: string; args: string[] }[] {
  const out: { file: string; line: string; args: string[] }[] = []
  for (const file of FILES)
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:^|`)\s*npx legate ([^`\n#]*)/gm)) {
      const line = `npx legate ${m[1]!.trim()}`
      out.push({ file, line, args: m[1]!.trim().split(/\s+/).filter((a) => !a.includes('…')) })
    }
  return out
}

describe('legate commands in the docs', () => {
  it('finds them', () => expect(commands().length).toBeGreaterThanOrEqual(8))
  it.each(commands().map((c) => [c.file, c.line, c.args] as const))('%s: %s', async (_, __, args) => {
    const r = await legate(...args, '--help')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })
})
