/**
 * The KV side of push/diff/history/rollback through a fake wrangler (LEGATE_WRANGLER): exact command lines for
 * --remote/--env/--local, the stored layout (body first, then pointer), and failures. No network, fast.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { configHash, sealOf } from '../../src/config/publish.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import { validatorFingerprint } from '../../src/snapshot/seal.ts'
import type { ConfigPointer, StoredConfig } from '../../src/config/store-keys.ts'
import { inProjectWithEnvs, legate, legateProcess, MINIMAL, tempFiles, useFakeWrangler } from './helpers.ts'

const fake = useFakeWrangler(() => ({ 'routes/api.yaml': MINIMAL, 'v2/api.yaml': MINIMAL.replace('body: "hi"', 'body: "hello"') }))
const { calls } = fake
const kv = () => fake.kv()
const kvFile = () => join(dir, 'kv.json')
let dir: string
beforeEach(() => void (dir = fake.dir()))
const value = <T>(key: string) => JSON.parse(kv()[key]!.value) as T

describe('legate push (fake wrangler)', () => {
  it('--remote --env writes the body, then the pointer, with the exact wrangler command lines', async () => {
    const r = await inProjectWithEnvs(['staging'], () => legate('push', join(dir, 'routes'), '--remote', '--env', 'staging'))
    expect(r.stderr).not.toContain('legate:')
    expect(r.code).toBe(0)
    const meta = kv()['config/v/0000000001']!.metadata as { pushed_at: string; sha256: string; seal: string }
    // Sealed: the exact stored text under the fingerprint of the validator that accepted it (the built-ins).
    expect(meta.seal).toBe(await sealOf(kv()['config/v/0000000001']!.value, await validatorFingerprint(createRegistry())))
    expect(calls()).toEqual([
      'kv bulk get <file> --binding CONFIG --remote --env staging',
      `kv key put config/v/0000000001 --path <file> --metadata ${JSON.stringify({ pushed_at: meta.pushed_at, source: 'cli', sha256: meta.sha256, seal: meta.seal })} --binding CONFIG --remote --env staging`,
      'kv key put config/current --path <file> --binding CONFIG --remote --env staging',
    ])
    const body = value<StoredConfig>('config/v/0000000001')
    expect(body).toEqual({ version: 1, sha256: await configHash(body.config), pushed_at: meta.pushed_at, source: 'cli', config: body.config })
    expect(body.config).toMatchObject({ clusters: [{ name: 'users' }], virtual_hosts: [{ name: 'api' }] })
    expect(value<ConfigPointer>('config/current')).toEqual({ version: 1, sha256: body.sha256, pushed_at: body.pushed_at })
    expect(r.stdout).toContain(`pushed version 1 (sha ${body.sha256.slice(0, 12)}, first version) to remote KV [env staging]`)
    expect(r.stdout).toContain('Remote KV takes up to ~60 s to reach every Cloudflare location')
  })

  it('defaults to --local with the persist directory npm start uses', async () => {
    await legate('push', join(dir, 'routes'))
    await legate('push', join(dir, 'routes'), '--local', '--persist-to', join(dir, 'state'))
    const [first, , , second] = calls()
    expect(first).toBe(`kv bulk get <file> --binding CONFIG --local --persist-to ${resolve('.wrangler/state')}`)
    expect(second).toBe(`kv bulk get <file> --binding CONFIG --local --persist-to ${join(dir, 'state')}`)
  })

  it('writes nothing when the content equals the live version, and moves forward otherwise', async () => {
    await legate('push', join(dir, 'routes'), '--remote')
    const again = await legate('push', join(dir, 'routes'), '--remote')
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^unchanged: version 1 in remote KV already has this content/)
    expect(calls().filter((c) => c.startsWith('kv key put'))).toHaveLength(2)
    const v2 = await legate('push', join(dir, 'v2'), '--remote')
    expect(v2.stdout).toContain('pushed version 2')
    expect(value<ConfigPointer>('config/current').version).toBe(2)
  })

  it('validates before touching KV: an invalid table runs no wrangler command and exits 1', async () => {
    const bad = tempFiles({ 'x.yaml': MINIMAL.replace('exact: /hello', 'exact: hello') })
    const r = await legate('push', bad, '--remote')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${join(bad, 'x.yaml')}:9 virtual_hosts[0].routes[0].match.exact: must start with "/"`)
    expect(calls()).toEqual([])
  })

  it('exits 3 with wrangler\'s error when wrangler fails, after writing nothing', async () => {
    process.env.FAKE_WRANGLER_FAIL = 'bulk get'
    const r = await legate('push', join(dir, 'routes'), '--remote')
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('legate: wrangler kv bulk get')
    expect(r.stderr).toContain('wrangler: ✘ [ERROR] A request to the Cloudflare API failed. Authentication error [code: 10000]')
    expect(existsSync(kvFile())).toBe(false)
  })

  it('exits 3 when the wrangler executable cannot be started', async () => {
    const r = await legateProcess(['push', join(dir, 'routes')], { LEGATE_WRANGLER: join(dir, 'no-such-wrangler') })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('cannot run wrangler')
  })
})

describe('legate diff, history, rollback (fake wrangler)', () => {
  it('diff prints changed, added and removed paths against the live version', async () => {
    const before = await legate('diff', join(dir, 'routes'), '--remote')
    expect(before.stdout).toContain('with an empty remote KV (nothing pushed yet)')
    expect(before.stdout).toContain('+ virtual_hosts["api"].routes["hello"].direct_response.body = "hi"')
    await legate('push', join(dir, 'routes'), '--remote')
    const same = await legate('diff', join(dir, 'routes'), '--remote')
    expect(same.stdout).toMatch(/^no differences: the files match live version 1/)
    const changed = tempFiles({ 'a.yaml': MINIMAL.replace('body: "hi"', 'body: "hello"').replace('  - name: users', '  - name: users\n    lb_policy: random') })
    const d = await legate('diff', changed, '--remote')
    expect(d.code).toBe(0)
    expect(d.stdout.split('\n').filter((l) => /^[+~-] /.test(l))).toEqual([
      '+ clusters["users"].lb_policy = "random"',
      '~ virtual_hosts["api"].routes["hello"].direct_response.body: "hi" -> "hello"',
    ])
  })

  // Issue 14: a drift check for CI, as `git diff --exit-code`.
  it('diff --exit-code exits 1 when the files differ from the live version, 0 when they match', async () => {
    await legate('push', join(dir, 'routes'), '--remote')
    expect((await legate('diff', join(dir, 'routes'), '--remote', '--exit-code')).code).toBe(0)
    const changed = tempFiles({ 'a.yaml': MINIMAL.replace('body: "hi"', 'body: "hello"') })
    const d = await legate('diff', changed, '--remote', '--exit-code')
    expect(d.code).toBe(1)
    expect(d.stdout).toContain('~ virtual_hosts["api"].routes["hello"].direct_response.body: "hi" -> "hello"')
  })

  // Issue 14: wrangler only warns about an unknown --env and then uses the default namespace.
  it.each(['push', 'diff'])('%s --env NAME that wrangler.toml does not define exits 2 and writes nothing', async (command) => {
    const r = await legate(command, join(dir, 'routes'), '--remote', '--env', 'nosuch')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--env nosuch: wrangler.toml defines no such environment (known: none)')
    expect(calls()).toEqual([])
  })

  it('history lists versions newest first and marks the live one; rollback writes a new version', async () => {
    expect((await legate('history', '--remote')).stdout).toContain('no versions in remote KV yet')
    expect((await legate('rollback', '--remote')).code).toBe(2)
    await legate('push', join(dir, 'routes'), '--remote')
    expect((await legate('rollback', '--remote')).stderr).toContain('version 1 is the first one')
    await legate('push', join(dir, 'v2'), '--remote')
    const back = await legate('rollback', '--remote')
    expect(back.code).toBe(0)
    expect(back.stdout).toContain('rolled back to the content of version 1')
    expect(back.stdout).toContain('pushed version 3')
    const v1 = value<StoredConfig>('config/v/0000000001')
    const v3 = value<StoredConfig>('config/v/0000000003')
    expect(v3).toMatchObject({ version: 3, source: 'rollback of 1', sha256: v1.sha256, config: v1.config })
    expect(value<ConfigPointer>('config/current').version).toBe(3)

    expect((await legate('rollback', '1', '--remote')).stdout).toMatch(/^unchanged: version 3/)
    expect((await legate('rollback', '7', '--remote')).stderr).toContain('version 7 does not exist: the live version is 3')
    const h = await legate('history', '--remote')
    const rows = h.stdout.trimEnd().split('\n')
    expect(rows[0]).toMatch(/VERSION\s+PUSHED AT\s+SHA\s+SOURCE/)
    expect(rows[1]).toMatch(new RegExp(`^\\*\\s+3  \\S+Z\\s+${v1.sha256.slice(0, 12)}  rollback of 1  \\(live\\)$`))
    expect(rows[2]).toMatch(/^ {2}\s+2  \S+Z\s+[0-9a-f]{12}  cli$/)
    expect(rows[3]).toMatch(new RegExp(`^ {2}\\s+1  \\S+Z\\s+${v1.sha256.slice(0, 12)}  cli$`))
    expect(calls().at(-2)).toBe('kv key list --prefix config/v/ --binding CONFIG --remote')
  })

  it('rollback refuses content that no longer validates (exit 1) and writes nothing', async () => {
    await legate('push', join(dir, 'routes'), '--remote')
    await legate('push', join(dir, 'v2'), '--remote')
    // Simulate a version stored by an older build whose schema accepted more.
    const store = kv()
    const v1 = JSON.parse(store['config/v/0000000001']!.value) as StoredConfig
    ;(v1.config as { clusters: { lb_policy: string }[] }).clusters[0]!.lb_policy = 'ring_hash'
    store['config/v/0000000001']!.value = JSON.stringify(v1)
    const { writeFileSync } = await import('node:fs')
    writeFileSync(kvFile(), JSON.stringify(store))
    const r = await legate('rollback', '1', '--remote')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('clusters[0].lb_policy')
    expect(r.stderr).toContain("version 1 does not validate with this build's filters: nothing was written")
    expect(value<ConfigPointer>('config/current').version).toBe(2)
  })
})
