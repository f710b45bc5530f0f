/**
 * `legate doctor`: wrangler's real reading of wrangler.toml in temp projects (the shipped file, its commented
 * environment example filled in, and broken ones), the ADMIN_TOKEN secret through the fake wrangler, and the
 * pure checks' edge cases.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REQUIRED_OBJECTS, runChecks, TESTED_COMPATIBILITY_DATE, type ResolvedConfig } from '../../src/cli/doctor/checks.ts'
import { legate, ROOT, tempFiles, useFakeWrangler } from './helpers.ts'

const SHIPPED = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
/** The shipped file with its commented [env.production] example uncommented and a real-looking id. */
const WITH_PRODUCTION = SHIPPED.replace(/^# (\[env\.production\][\s\S]*)$/m, (block) => block.replace(/^# /gm, '')).replace('<id>', '0123456789abcdef0123456789abcdef')
useFakeWrangler()

async function doctor(files: Record<string, string>, ...args: string[]) {
  const cwd = process.cwd()
  process.chdir(tempFiles({ 'src/worker.ts': '', ...files }))
  try {
    const r = await legate('doctor', ...args, '--json')
    const doc = JSON.parse(r.stdout) as { checks?: { name: string; status: string; message: string; fix?: string }[]; error?: { message: string } }
    return { code: r.code, doc, status: Object.fromEntries((doc.checks ?? []).map((c) => [c.name, c.status])), check: (name: string) => doc.checks!.find((c) => c.name === name)! }
  } finally {
    process.chdir(cwd)
  }
}

describe('legate doctor', () => {
  it('the shipped wrangler.toml: everything but the placeholder namespace id is ready', async () => {
    const r = await doctor({ 'wrangler.toml': SHIPPED, '.dev.vars': 'ADMIN_TOKEN=dev-admin-token\n' })
    expect(r.code).toBe(1)
    expect(Object.entries(r.status).filter(([, s]) => s === 'fail')).toEqual([['kv CONFIG', 'fail']])
    expect(r.check('kv CONFIG')).toMatchObject({ message: expect.stringContaining('placeholder'), fix: expect.stringContaining('npx wrangler kv namespace create CONFIG') })
    expect(r.status).toMatchObject({ 'workers logs': 'ok', ADMIN_TOKEN: 'ok', migrations: 'ok', compatibility_date: 'ok' })
    expect(SHIPPED).toContain(`compatibility_date = "${TESTED_COMPATIBILITY_DATE}"`)
  })

  it("the shipped file's environment example, filled in, is ready; the same [env] without bindings is not", async () => {
    const ready = await doctor({ 'wrangler.toml': WITH_PRODUCTION, '.dev.vars': 'ADMIN_TOKEN=x\n' }, '--env', 'production')
    expect(ready.doc.checks!.filter((c) => c.status === 'fail' || c.status === 'warn')).toEqual([])
    expect(ready.code).toBe(0)
    const bare = await doctor({ 'wrangler.toml': `${SHIPPED}\n[env.staging]\nname = "legate-staging"\n` }, '--env', 'staging')
    expect(bare.code).toBe(1)
    expect(bare.check('durable object STATS')).toEqual({
      name: 'durable object STATS',
      status: 'fail',
      message: 'no Durable Object binding STATS ([env.staging] does not inherit top-level bindings)',
      fix: 'add [[env.staging.durable_objects.bindings]] name = "STATS" class_name = "Stats"',
    })
    expect(bare.check('kv CONFIG').fix).toContain('--env staging')
    expect(bare.status.ADMIN_TOKEN).toBe('warn')
  })

  it('--remote asks for the deployed secret; a failed listing says how to log in', async () => {
    const files = { 'wrangler.toml': WITH_PRODUCTION }
    process.env.FAKE_WRANGLER_NAMESPACES = '0123456789abcdef0123456789abcdef'
    process.env.FAKE_WRANGLER_SECRETS = 'OTHER'
    const missing = await doctor(files, '--env', 'production', '--remote')
    expect(missing.check('ADMIN_TOKEN')).toMatchObject({ status: 'warn', fix: 'npx wrangler secret put ADMIN_TOKEN --env production' })
    process.env.FAKE_WRANGLER_SECRETS = 'ADMIN_TOKEN'
    const ready = await doctor(files, '--env', 'production', '--remote')
    expect(ready.status.ADMIN_TOKEN).toBe('ok')
    expect(ready.check('kv CONFIG').message).toBe('namespace 0123456789abcdef0123456789abcdef (in your account)')
    process.env.FAKE_WRANGLER_NAMESPACES = 'ffff'
    expect((await doctor(files, '--env', 'production', '--remote')).check('kv CONFIG')).toMatchObject({
      status: 'fail',
      message: 'namespace 0123456789abcdef0123456789abcdef is not in your account',
      fix: expect.stringContaining('npx wrangler kv namespace list'),
    })
    process.env.FAKE_WRANGLER_FAIL = 'secret'
    const failed = await doctor(files, '--remote')
    expect(failed.check('ADMIN_TOKEN')).toMatchObject({ status: 'fail', message: expect.stringContaining('Authentication error'), fix: expect.stringContaining('wrangler login') })
    delete process.env.FAKE_WRANGLER_SECRETS
    delete process.env.FAKE_WRANGLER_NAMESPACES
  })

  it('usage errors: no wrangler.toml, an unknown environment', async () => {
    const none = await doctor({})
    expect(none).toMatchObject({ code: 2, doc: { error: { message: expect.stringContaining('there is no wrangler.toml here') } } })
    const unknown = await doctor({ 'wrangler.toml': SHIPPED }, '--env', 'prod')
    expect(unknown).toMatchObject({ code: 2, doc: { error: { message: expect.stringContaining('--env prod: wrangler.toml defines no such environment (known: none)') } } })
  })
})

describe('doctor checks', () => {
  const base: ResolvedConfig = {
    name: 'legate',
    main: 'src/worker.ts',
    compatibility_date: TESTED_COMPATIBILITY_DATE,
    kv_namespaces: [{ binding: 'CONFIG', id: 'abc' }],
    durable_objects: { bindings: Object.entries(REQUIRED_OBJECTS).map(([name, class_name]) => ({ name, class_name })) },
    migrations: [{ tag: 'v1', new_sqlite_classes: Object.values(REQUIRED_OBJECTS) }],
    vars: {},
    routes: [{ pattern: 'api.example.com', custom_domain: true }],
    observability: { enabled: true },
    analytics_engine_datasets: [],
  }
  const facts = { mainExists: true, today: '2026-12-04', localAdminToken: true }
  const status = (c: Partial<ResolvedConfig>, f: Partial<typeof facts> = {}) =>
    Object.fromEntries(runChecks({ ...base, ...c }, { ...facts, ...f }).filter((k) => k.status !== 'ok' && k.status !== 'info').map((k) => [k.name, `${k.status}: ${k.message}`]))

  it('a complete config has nothing to fix', () => expect(status({})).toEqual({}))
  it.each([
    [{ compatibility_date: '2027-01-01' }, 'compatibility_date', 'fail: 2027-01-01 is in the future: deploys are refused'],
    [{ compatibility_date: '2024-01-01' }, 'compatibility_date', `warn: 2024-01-01 is older than ${TESTED_COMPATIBILITY_DATE}, the date Legate is tested at`],
    [{ kv_namespaces: [{ binding: 'CONFIG' }] }, 'kv CONFIG', 'fail: the CONFIG namespace id is missing'],
    [{ durable_objects: { bindings: [...base.durable_objects.bindings.slice(1), { name: 'CLUSTER_HEALTH', class_name: 'X', script_name: 'other' }] } }, 'durable object CLUSTER_HEALTH', "fail: CLUSTER_HEALTH is bound to other's X, not this Worker's ClusterHealth"],
    [{ migrations: [{ tag: 'v1', new_classes: ['Stats'], new_sqlite_classes: ['ClusterHealth', 'RateLimiter', 'Recorder'] }] }, 'migrations', "fail: Stats created with new_classes: Legate's objects need SQLite storage"],
    [{ migrations: [{ tag: 'v1', new_sqlite_classes: Object.values(REQUIRED_OBJECTS) }, { tag: 'v2', deleted_classes: ['Recorder'] }] }, 'migrations', 'fail: no migration creates Recorder'],
    [{ vars: { ADMIN_TOKEN: '' } }, 'ADMIN_TOKEN', 'fail: ADMIN_TOKEN is a [vars] entry: it would be deployed in clear text and conflicts with the secret of that name'],
    [{ routes: [], workers_dev: false }, 'routes', 'fail: no routes and workers_dev = false: the Worker would be reachable nowhere'],
    [{ observability: undefined }, 'workers logs', 'warn: off: after deploy, the access log is only visible in `wrangler tail` while it runs'],
  ] as [Partial<ResolvedConfig>, string, string][])('%o → %s', (change, name, expected) => expect(status(change)).toEqual({ [name]: expected }))

  it('renamed classes count under their new name', () =>
    expect(status({ migrations: [{ tag: 'v1', new_sqlite_classes: ['ClusterHealth', 'RateLimiter', 'Stats', 'Flight', 'ConfigCoordinator'] }, { tag: 'v2', renamed_classes: [{ from: 'Flight', to: 'Recorder' }] }] })).toEqual({}))
})
