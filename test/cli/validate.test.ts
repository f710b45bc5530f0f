import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { legate, legateProcess, MINIMAL, tempFiles } from './helpers.ts'

/** Three errors in one file, on known lines. */
const BROKEN = `gateway:
  refresh_interval: soon
clusters:
  - name: users
    endpoints: [{ url: "http://127.0.0.1:9001" }]
virtual_hosts:
  - name: api
    domains: ["*"]
    routes:
      - name: list
        match: { prefix: /users }
        forward:
          cluster: users-v2
      - name: typo
        match: { exact: /x }
        direct_respons: { status: 200 }
`

describe('legate validate', () => {
  it('accepts the demo route table and prints a one-line summary', async () => {
    const r = await legate('validate', 'routes/')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('valid: routes/demo.yaml: 1 virtual host, 4 routes, 1 cluster, 2 filters\n')
  })

  it('prints every error as file:line path: message and exits 1', async () => {
    const dir = tempFiles({ 'api.yaml': BROKEN })
    const f = join(dir, 'api.yaml')
    const r = await legate('validate', f)
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines).toEqual([
      `${f}:2 gateway.refresh_interval: expected a duration such as "15s", "250ms", "1m" or "1h"`,
      `${f}:13 virtual_hosts[0].routes[0].forward.cluster: unknown cluster "users-v2" (known: users)`,
      `${f}:14 virtual_hosts[0].routes[1]: set exactly one action: forward | redirect | direct_response (got none)`,
      `${f}:16 virtual_hosts[0].routes[1].direct_respons: unknown key`,
      '4 errors in 1 file. Fix the lines above and run `legate validate` again.',
    ])
  })

  it('merges split files: clusters and virtual_hosts concatenate, gateway comes from one file', async () => {
    const dir = tempFiles({
      'a-base.yaml': 'gateway: { refresh_interval: 1s }\nclusters:\n  - name: orders\n    endpoints: [{ url: "http://127.0.0.1:9002" }]\n',
      'b-users.yaml': MINIMAL,
      'c-orders.json': JSON.stringify({
        $schema: './schema.json',
        virtual_hosts: [{ name: 'orders', domains: ['orders.example'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'orders' } }] }],
      }),
      'schema.json': '{ "not": "a route table" }',
      'notes.txt': 'ignored',
    })
    const r = await legate('validate', dir)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(': 2 virtual hosts, 2 routes, 2 clusters, 0 filters')
    expect(r.stdout).not.toContain('schema.json')
  })

  it('reports duplicate names across files at the second file, citing the first', async () => {
    const dir = tempFiles({ 'a.yaml': MINIMAL, 'b.yaml': MINIMAL.replace('name: api', 'name: api2').replace('"*"', 'b.example') })
    const r = await legate('validate', join(dir, 'a.yaml'), join(dir, 'b.yaml'))
    expect(r.code).toBe(1)
    const a = join(dir, 'a.yaml')
    const b = join(dir, 'b.yaml')
    expect(r.stderr).toContain(`${b}:2 clusters[0].name: duplicate cluster "users" (first defined at ${a}:2 clusters[0].name)`)
    expect(r.stderr).toContain(`${b}:8 virtual_hosts[0].routes[0].name: duplicate route name "hello" (first defined at ${a}:8 virtual_hosts[0].routes[0].name)`)
    expect(r.stderr).toContain('2 errors in 2 files')
  })

  it('refuses gateway or http_filters in more than one file', async () => {
    const dir = tempFiles({ 'a.yaml': `gateway: { refresh_interval: 1s }\n${MINIMAL}`, 'b.yaml': 'gateway:\n  refresh_interval: 2s\n' })
    const r = await legate('validate', dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${join(dir, 'b.yaml')}:1 gateway: also defined in ${join(dir, 'a.yaml')}:1; "gateway" may appear in one file only`)
  })

  it('reports YAML and JSON syntax errors as file:line:column', async () => {
    const dir = tempFiles({ 'a.yaml': 'virtual_hosts:\n  - name: a\n    domains: [x\n', 'b.json': '{"virtual_hosts": [,]}' })
    const r = await legate('validate', dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^${join(dir, 'a.yaml')}:\\d+:\\d+ `, 'm'))
    expect(r.stderr).toMatch(new RegExp(`^${join(dir, 'b.json')}:1:\\d+ `, 'm'))
  })

  it('accepts user filters from --filters <module>, and only with it', async () => {
    const table = MINIMAL.replace('virtual_hosts:', 'http_filters:\n  - name: stamp\n    config: { value: demo }\nvirtual_hosts:')
    const dir = tempFiles({ 'routes.yaml': table })
    const without = await legate('validate', dir)
    expect(without.code).toBe(1)
    expect(without.stderr).toContain('http_filters[0]')
    const withFilters = await legate('validate', dir, '--filters', join(import.meta.dirname, 'fixtures/user-filters.ts'))
    expect(withFilters.stderr).toBe('')
    expect(withFilters.stdout).toContain('1 filter')
    const bad = await legate('validate', dir, '--filters', join(dir, 'routes.yaml'))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--filters')
  })

  it.each([
    [['validate'], 'no route files given'],
    [['validate', 'nope/missing.yaml'], 'nope/missing.yaml: no such file or directory'],
    [['validate', 'routes/', '--strict'], "Unknown option '--strict'"],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['push', 'routes/', '--local', '--remote'], 'use either --local or --remote, not both'],
    [['push', 'routes/', '--remote', '--persist-to', 'x'], '--persist-to applies to --local only'],
    [['rollback', 'latest'], '"latest" is not a version number'],
    // Issue 14: a near miss gets a suggestion.
    [['push', 'routes/', '--remot'], "Unknown option '--remot'; did you mean --remote?"],
    [['diff', 'routes/', '--exitcode'], "Unknown option '--exitcode'; did you mean --exit-code?"],
  ])('exits 2 on usage error: legate %j', async (args, message) => {
    const r = await legate(...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(r.stderr).toContain('--help` for usage')
  })

  // Issue 14: the validator's wording says what to write, and an empty file says it is empty.
  it('lists the allowed values of a literal set, and says a file is empty', async () => {
    const dir = tempFiles({
      'empty.yaml': '',
      'r.yaml': 'virtual_hosts:\n  - name: v\n    domains: ["*"]\n    routes:\n      - match: { prefix: / }\n        redirect: { path_redirect: /x, response_code: 304 }\n',
    })
    const empty = await legate('validate', join(dir, 'empty.yaml'))
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain(`${join(dir, 'empty.yaml')}:1:1 the file is empty`)
    const code = await legate('validate', join(dir, 'r.yaml'))
    expect(code.stderr).toContain('redirect.response_code: Invalid option: expected one of 301|302|303|307|308')
  })

  it('exits 2 for a directory without route files', async () => {
    const r = await legate('validate', tempFiles({ 'readme.md': '#' }))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no *.yaml, *.yml or *.json route files')
  })

  it('prints help for the tool and for each command', async () => {
    const top = await legate('--help')
    expect(top.code).toBe(0)
    for (const c of ['validate', 'push', 'diff', 'history', 'rollback']) expect(top.stdout).toContain(`  ${c} `)
    for (const c of ['validate', 'push', 'diff', 'history', 'rollback']) {
      const r = await legate(c, '--help')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^Usage: legate ${c}`))
      expect(r.stdout).toContain('Exit codes:')
    }
    expect((await legate('help', 'push')).stdout).toMatch(/^Usage: legate push/)
  })
})

// Issue 12 §2: a URL that does not parse made `legate validate` exit 70 ("a bug in legate").
describe('legate validate with an endpoint URL that does not parse', () => {
  it('reports the url with its line and exits 1', async () => {
    const dir = tempFiles({ 'api.yaml': BROKEN.replace('http://127.0.0.1:9001', 'http://127.0.0.1:99999') })
    const r = await legate('validate', join(dir, 'api.yaml'))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${join(dir, 'api.yaml')}:5 clusters[0].endpoints[0].url:`)
  })
})

describe('bin/legate.mjs', () => {
  it('runs the CLI as a process with the documented exit codes', async () => {
    const dir = tempFiles({ 'broken.yaml': BROKEN })
    const [ok, invalid, usage, none] = await Promise.all([
      legateProcess(['validate', 'routes']),
      legateProcess(['validate', dir]),
      legateProcess(['validate', '--bogus']),
      legateProcess([]),
    ])
    expect([ok.code, invalid.code, usage.code, none.code]).toEqual([0, 1, 2, 2])
    expect(ok.stdout).toContain('valid: routes/demo.yaml')
    expect(invalid.stderr).toContain(`${join(dir, 'broken.yaml')}:13 virtual_hosts[0].routes[0].forward.cluster: unknown cluster`)
    expect(none.stderr).toContain('Usage: legate <command>')
  })
})
