/**
 * push, diff, rollback and history against the real local KV simulation (`wrangler kv … --local --persist-to`),
 * in a temp directory. Each wrangler call takes 1-5 s, so this is one scenario with as few calls as possible.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { legate, MINIMAL, tempFiles } from './helpers.ts'

const dir = tempFiles({ 'v1/api.yaml': MINIMAL, 'v2/api.yaml': MINIMAL.replace('body: "hi"', 'body: "hello"') })
const state = ['--persist-to', join(dir, 'state')]
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('legate with the real local wrangler KV', () => {
  it('pushes, skips unchanged content, diffs, rolls back, lists history and pulls', { timeout: 300_000 }, async () => {
    const v1 = await legate('push', join(dir, 'v1'), ...state)
    expect(v1.stderr).not.toContain('legate:')
    expect(v1.code).toBe(0)
    expect(v1.stdout).toContain(`pushed version 1`)
    expect(v1.stdout).toContain(`to local KV at ${join(dir, 'state')}: 1 virtual host`)
    expect(v1.stdout).toContain('A running local gateway (npm start) picks it up within 5s (gateway.refresh_interval).')
    // Progress goes to stderr, one line per wrangler step when stderr is not a terminal.
    expect(v1.stderr.trimEnd().split('\n')).toEqual([
      `… reading the live version: local KV at ${join(dir, 'state')}`,
      `… writing version 1: local KV at ${join(dir, 'state')}`,
      `… making version 1 live: local KV at ${join(dir, 'state')}`,
    ])

    const same = await legate('push', join(dir, 'v1'), ...state)
    expect(same.stdout).toMatch(/^unchanged: version 1 in local KV/)

    const diff = await legate('diff', join(dir, 'v2'), ...state)
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain('~ virtual_hosts["api"].routes["hello"].direct_response.body: "hi" -> "hello"')
    expect(diff.stdout).toContain('0 paths added, 0 removed, 1 changed')

    expect((await legate('push', join(dir, 'v2'), ...state)).stdout).toContain('pushed version 2 (sha ')

    const back = await legate('rollback', ...state)
    expect(back.stderr).not.toContain('legate:')
    expect(back.stdout).toContain('rolled back to the content of version 1')
    expect(back.stdout).toContain('pushed version 3')

    const history = await legate('history', ...state)
    const rows = history.stdout.trimEnd().split('\n').slice(1)
    expect(rows.map((r) => r.replace(/\s+\S+Z\s+[0-9a-f]{12}\s+/, ' | ').replace(/\s+/g, ' ').trim())).toEqual([
      '* 3 | rollback of 1 (live)',
      '2 | cli',
      '1 | cli',
    ])

    // The live version (3, the content of 1) back as a file: diffing it against the live version is clean.
    const pulled = await legate('pull', '-o', join(dir, 'pulled'), ...state)
    expect(pulled.stderr).toContain('wrote version 3 (live)')
    const clean = await legate('diff', join(dir, 'pulled'), '--exit-code', ...state)
    expect(clean.stdout).toContain('no differences: the files match live version 3')
    expect(clean.code).toBe(0)
  })
})
