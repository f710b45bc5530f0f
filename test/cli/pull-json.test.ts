/**
 * `legate pull` and `--json` through the fake wrangler: pull → validate → diff is a no-op (the demo table and a
 * split table), refusals that protect a directory, and one JSON document on stdout for results and errors.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { legate, MINIMAL, ROOT, useFakeWrangler } from './helpers.ts'

const fake = useFakeWrangler(() => ({
  'split/a-clusters.yaml': 'clusters:\n  - name: users\n    endpoints: [{ url: "http://127.0.0.1:9001" }]\n',
  'split/b-hosts.yaml': MINIMAL.slice(MINIMAL.indexOf('virtual_hosts:')),
  'v1/api.yaml': MINIMAL,
  'v2/api.yaml': MINIMAL.replace('body: "hi"', 'body: "hello"'),
  'bad/api.yaml': MINIMAL.replace('direct_response: { status: 200, body: "hi" }', 'forward: { cluster: nosuch }'),
}))
const at = (p: string) => join(fake.dir(), p)
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>

describe('legate pull', () => {
  it.each([
    ['the demo table', join(ROOT, 'routes')],
    ['a table split over two files', 'split'],
  ])('round-trips %s: pull -o DIR, then validate and diff --exit-code DIR report no change', async (_, source) => {
    const pushed = await legate('push', source.startsWith('/') ? source : at(source), '--remote')
    expect(pushed.code).toBe(0)
    const pulled = await legate('pull', '-o', at('live'), '--remote')
    expect(pulled.stderr).not.toContain('legate:')
    expect(pulled.code).toBe(0)
    expect(pulled.stderr).toContain(`wrote version 1 (live) (sha `)
    expect(readFileSync(at('live/routes.yaml'), 'utf8')).toMatch(/^# Legate route table: version 1 \(live\), sha [0-9a-f]{64}\n# pushed .* by cli, pulled from remote KV\n/)
    expect((await legate('validate', at('live'))).code).toBe(0)
    const diff = await legate('diff', at('live'), '--remote', '--exit-code')
    expect(diff.stdout).toContain('no differences: the files match live version 1')
    expect(diff.code).toBe(0)
  })

  it('prints YAML on stdout without -o, and --version N pulls an older version', async () => {
    await legate('push', at('v1'), '--remote')
    await legate('push', at('v2'), '--remote')
    const live = await legate('pull', '--remote')
    expect(live.code).toBe(0)
    expect(live.stdout).toMatch(/^# Legate route table: version 2 \(live\)/)
    const old = await legate('pull', '--remote', '--version', '1')
    expect(old.stdout).toMatch(/^# Legate route table: version 1, sha/)
    expect(parse(old.stdout)).toEqual(parse(MINIMAL))
  })

  it('refuses what it cannot do, with exit 2 and the reason, writing nothing', async () => {
    expect(await legate('pull', '--remote')).toMatchObject({ code: 2, stderr: expect.stringContaining('nothing to pull: no version is live in remote KV') })
    await legate('push', at('v1'), '--remote')
    expect(await legate('pull', '--remote', '--version', '7')).toMatchObject({ code: 2, stderr: expect.stringContaining('version 7 is not in remote KV') })
    expect(await legate('pull', '--remote', '--version', 'x')).toMatchObject({ code: 2, stderr: expect.stringContaining('--version "x": not a version number') })
    // v1 holds api.yaml: validate would merge it with the pulled table.
    const busy = await legate('pull', '--remote', '-o', at('v1'))
    expect(busy).toMatchObject({ code: 2, stderr: expect.stringContaining('already holds route files (api.yaml)') })
    expect(existsSync(at('v1/routes.yaml'))).toBe(false)
    expect((await legate('pull', '--remote', '-o', at('out'))).code).toBe(0)
    expect(await legate('pull', '--remote', '-o', at('out'))).toMatchObject({ code: 2, stderr: expect.stringContaining('routes.yaml exists; pass --force') })
    expect((await legate('pull', '--remote', '-o', at('out'), '--force')).code).toBe(0)
  })
})

describe('--json', () => {
  it('validate: the summary, or every issue with its file, line and path', async () => {
    const ok = await legate('validate', at('v1'), '--json')
    expect(json(ok.stdout)).toEqual({
      command: 'validate',
      ok: true,
      exit_code: 0,
      files: [at('v1/api.yaml')],
      summary: { virtualHosts: 1, routes: 1, clusters: 1, filters: 0 },
    })
    const bad = await legate('validate', '--json', at('bad'))
    expect(bad.code).toBe(1)
    const doc = json(bad.stdout)
    expect(doc).toMatchObject({ command: 'validate', ok: false, exit_code: 1 })
    expect(doc.issues).toEqual([{ file: at('bad/api.yaml'), line: 10, path: 'virtual_hosts[0].routes[0].forward.cluster', message: expect.stringContaining('unknown cluster "nosuch"') }])
    expect(bad.stderr).toContain('1 error in 1 file')
  })

  it('push, diff, history and pull record their results; stdout holds nothing else', async () => {
    const push = json((await legate('--json', 'push', at('v1'), '--remote')).stdout)
    expect(push).toMatchObject({ command: 'push', ok: true, status: 'published', version: 1, previous_version: null, target: 'remote KV' })
    const again = json((await legate('push', at('v1'), '--remote', '--json')).stdout)
    expect(again).toMatchObject({ status: 'unchanged', version: 1 })
    const diff = await legate('diff', at('v2'), '--remote', '--json', '--exit-code')
    expect(diff.code).toBe(1)
    expect(json(diff.stdout)).toMatchObject({ command: 'diff', ok: false, exit_code: 1, differs: true, live_version: 1 })
    const history = json((await legate('history', '--remote', '--json')).stdout)
    expect(history).toMatchObject({ live_version: 1, versions: [{ version: 1, live: true, source: 'cli', sha256: push.sha256 }] })
    const pull = json((await legate('pull', '--remote', '--json')).stdout)
    expect(pull).toMatchObject({ version: 1, live: true, sha256: push.sha256, config: parse(MINIMAL) })
  })

  it('errors: usage errors and KV failures are one document with the message and hints', async () => {
    const usage = await legate('push', '--json', '--nosuch')
    expect(usage.code).toBe(2)
    expect(json(usage.stdout)).toEqual({
      command: 'push',
      ok: false,
      exit_code: 2,
      error: { message: expect.stringContaining("Unknown option '--nosuch'"), hints: ['Run `legate push --help` for usage.'] },
    })
    process.env.FAKE_WRANGLER_FAIL = 'list'
    const kv = await legate('history', '--remote', '--json')
    expect(kv.code).toBe(3)
    expect(json(kv.stdout)).toMatchObject({ ok: false, exit_code: 3, error: { message: expect.stringContaining('failed'), hints: [expect.stringContaining('Authentication error')] } })
    const unknown = json((await legate('frobnicate', '--json')).stdout)
    expect(unknown).toMatchObject({ command: 'frobnicate', exit_code: 2, error: { message: expect.stringContaining('unknown command') } })
  })

  it('help is the text lines as `output`', async () => {
    const help = json((await legate('pull', '--help', '--json')).stdout)
    expect(help).toMatchObject({ ok: true, output: [expect.stringContaining('Usage: legate pull')] })
  })
})
