/**
 * `legate keys create|revoke|list` through the fake wrangler (LEGATE_WRANGLER): exact command lines, the stored
 * record (hash only, never the key), revocation by key and by prefix, and usage errors. No network, fast.
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { parseExpires } from '../../src/cli/commands/keys.ts'
import { type ApiKeyRecord, apiKeyRecord } from '../../src/lib/api-keys.ts'
import { inProjectWithEnvs, legate, useFakeWrangler } from './helpers.ts'

const fake = useFakeWrangler()
const { calls } = fake
const kv = () => fake.kv()
const kvFile = () => join(dir, 'kv.json')
let dir: string
beforeEach(() => void (dir = fake.dir()))
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const recordOf = (key: string) => JSON.parse(kv()[`apikey/${sha256(key)}`]!.value) as ApiKeyRecord

async function create(...args: string[]) {
  const r = await legate('keys', 'create', ...args)
  expect(r.stderr).not.toContain('legate:')
  expect(r.code).toBe(0)
  return { ...r, key: r.stdout.trim() }
}

describe('legate keys create', () => {
  it('prints the key once on stdout and stores only its SHA-256 with the record (--remote --env)', async () => {
    const before = Date.now()
    const { key, stdout, stderr } = await inProjectWithEnvs(['prod'], () =>
      create('--consumer', 'acme', '--scopes', 'orders:read, orders:write,orders:read', '--expires', '30d', '--remote', '--env', 'prod')
    )
    expect(key).toMatch(/^lgk_[A-Za-z0-9_-]{43}$/)
    expect(stdout).toBe(`${key}\n`)
    expect(stderr).toContain(`created API key ${key.slice(0, 12)}… for acme in remote KV [env prod]`)
    expect(stderr).toContain('printed below, once')
    expect(calls()).toEqual([`kv key put apikey/${sha256(key)} --path <file> --binding CONFIG --remote --env prod`])
    const stored = JSON.stringify(kv())
    expect(stored).not.toContain(key)
    const record = recordOf(key)
    expect(apiKeyRecord.safeParse(record).success).toBe(true)
    expect(record).toMatchObject({ consumer: 'acme', scopes: ['orders:read', 'orders:write'], enabled: true, prefix: key.slice(0, 12) })
    const expires = Date.parse(record.expires_at!) - Date.parse(record.created_at)
    expect(expires).toBe(30 * 86_400_000)
    expect(Date.parse(record.created_at)).toBeGreaterThanOrEqual(before - 1)
  })

  it('defaults to the local KV npm start uses, with no scopes and no expiry', async () => {
    const { key } = await create('--consumer', 'beta')
    expect(calls()).toEqual([`kv key put apikey/${sha256(key)} --path <file> --binding CONFIG --local --persist-to ${resolve('.wrangler/state')}`])
    expect(recordOf(key)).toEqual({ consumer: 'beta', scopes: [], enabled: true, created_at: recordOf(key).created_at, prefix: key.slice(0, 12) })
  })

  it('makes a different key every time', async () => {
    const a = await create('--consumer', 'c')
    const b = await create('--consumer', 'c')
    expect(a.key).not.toBe(b.key)
  })

  it.each([
    [['--scopes', 'a'], 'keys create needs --consumer NAME'],
    [['--consumer', 'bad name'], '--consumer: consumer names use'],
    [['--consumer', 'c', '--scopes', 'a b'], '--scopes: "a b" is not a scope'],
    [['--consumer', 'c', '--expires', 'tomorrow'], 'expected a duration such as 30d'],
    [['--consumer', 'c', '--expires', '2001-01-01T00:00:00Z'], 'that is not in the future'],
    [['--consumer', 'c', '--local', '--remote'], 'use either --local or --remote'],
    [['--consumer', 'c', 'extra'], 'unexpected argument extra'],
    [['--consumer', 'c', '--key', 'chosen'], "Unknown option '--key'"],
  ])('refuses %j with exit 2, writing nothing', async (args, message) => {
    const r = await legate('keys', 'create', ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(calls()).toEqual([])
  })

  it('exits 3 when wrangler fails', async () => {
    process.env.FAKE_WRANGLER_FAIL = 'kv key put'
    const r = await legate('keys', 'create', '--consumer', 'c', '--remote')
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
  })
})

describe('legate keys revoke', () => {
  it('revokes by the whole key: one read, one write, the record kept with revoked_at', async () => {
    const { key } = await create('--consumer', 'acme', '--remote')
    const r = await legate('keys', 'revoke', key, '--remote')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`revoked ${key.slice(0, 12)}… (acme) in remote KV`)
    expect(r.stdout).toContain('within the api_key cache_ttl')
    expect(calls().slice(1)).toEqual([
      'kv bulk get <file> --binding CONFIG --remote',
      `kv key put apikey/${sha256(key)} --path <file> --binding CONFIG --remote`,
    ])
    expect(recordOf(key)).toMatchObject({ consumer: 'acme', enabled: false })
    expect(Date.parse(recordOf(key).revoked_at!)).toBeGreaterThan(0)
  })

  it('revokes by prefix, and says so when the key was already revoked (no second write)', async () => {
    const { key } = await create('--consumer', 'acme', '--remote')
    await create('--consumer', 'other', '--remote')
    expect((await legate('keys', 'revoke', key.slice(0, 12), '--remote')).code).toBe(0)
    expect(recordOf(key).enabled).toBe(false)
    const again = await legate('keys', 'revoke', key.slice(0, 10), '--remote')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('was already revoked at')
    expect(calls().filter((c) => c.startsWith('kv key put'))).toHaveLength(3)
  })

  it.each([
    [['lgk_'], 'too short: give at least 8 characters'],
    [['lgk_nothere'], 'no API key in remote KV matches "lgk_nothere…"'],
    [['lgk_' + 'x'.repeat(43)], 'no API key in remote KV matches'],
    [[], 'keys revoke needs one key or key prefix'],
  ])('refuses %j with exit 2', async (args, message) => {
    await create('--consumer', 'acme', '--remote')
    const r = await legate('keys', 'revoke', ...args, '--remote')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(calls().filter((c) => c.startsWith('kv key put'))).toHaveLength(1)
  })

  it('refuses a prefix that matches several keys', async () => {
    // Two keys with a shared prefix cannot be made with random keys; rewrite one record's prefix to collide.
    const a = await create('--consumer', 'a', '--remote')
    const b = await create('--consumer', 'b', '--remote')
    const store = kv()
    const name = `apikey/${sha256(b.key)}`
    store[name] = { value: JSON.stringify({ ...recordOf(b.key), prefix: a.key.slice(0, 12) }) }
    writeFileSync(kvFile(), JSON.stringify(store))
    const r = await legate('keys', 'revoke', a.key.slice(0, 12), '--remote')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`matches 2 keys`)
  })
})

describe('legate keys list', () => {
  it('lists every key with its status, and never a key', async () => {
    const live = await create('--consumer', 'live-one', '--scopes', 'a,b', '--remote')
    const gone = await create('--consumer', 'gone-one', '--remote')
    await legate('keys', 'revoke', gone.key, '--remote')
    const r = await legate('keys', 'list', '--remote')
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^PREFIX\s+CONSUMER\s+STATUS\s+CREATED\s+EXPIRES\s+SCOPES$/)
    expect(lines.find((l) => l.includes('live-one'))).toMatch(new RegExp(`^${live.key.slice(0, 12)}\\s+live-one\\s+active\\s+\\S+\\s+-\\s+a,b$`))
    expect(lines.find((l) => l.includes('gone-one'))).toMatch(/\srevoked\s/)
    expect(r.stdout).not.toContain(live.key)
    expect(calls().slice(-2)).toEqual(['kv key list --prefix apikey/ --binding CONFIG --remote', 'kv bulk get <file> --binding CONFIG --remote'])
  })

  it('says how to create one when there are none (one wrangler call)', async () => {
    const r = await legate('keys', 'list', '--remote')
    expect(r.stdout).toContain('no API keys in remote KV yet')
    expect(calls()).toEqual(['kv key list --prefix apikey/ --binding CONFIG --remote'])
  })
})

describe('legate keys (usage)', () => {
  it('prints help, and refuses an unknown subcommand', async () => {
    expect((await legate('keys', '--help')).stdout).toContain('legate keys create --consumer NAME')
    expect((await legate('keys')).code).toBe(2)
    const r = await legate('keys', 'rotate')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown keys subcommand "rotate"')
    expect((await legate('--help')).stdout).toContain('keys')
  })

  it('parseExpires: durations from now, ISO times as given', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseExpires('90m', now)).toBe('2026-01-01T01:30:00.000Z')
    expect(parseExpires('2w', now)).toBe('2026-01-15T00:00:00.000Z')
    expect(parseExpires('2026-02-01T00:00:00Z', now)).toBe('2026-02-01T00:00:00.000Z')
    expect(() => parseExpires('0d', now)).toThrow('not in the future')
    expect(() => parseExpires('2026-02-01', now)).toThrow('expected a duration')
  })
})

describe('legate keys with the real local wrangler KV', () => {
  it('creates, revokes by prefix and lists keys in a persist directory', { timeout: 180_000 }, async () => {
    for (const k of ['LEGATE_WRANGLER', 'FAKE_WRANGLER_LOG', 'FAKE_WRANGLER_KV']) delete process.env[k]
    const state = ['--persist-to', join(dir, 'state')]
    const { key } = await create('--consumer', 'acme', '--scopes', 'a', ...state)
    const revoked = await legate('keys', 'revoke', key.slice(0, 12), ...state)
    expect(revoked.stderr).not.toContain('legate:')
    expect(revoked.stdout).toContain(`revoked ${key.slice(0, 12)}… (acme) in local KV at ${join(dir, 'state')}`)
    const listed = await legate('keys', 'list', ...state)
    expect(listed.stdout).toMatch(new RegExp(`${key.slice(0, 12)}\\s+acme\\s+revoked\\s`))
  })
})
