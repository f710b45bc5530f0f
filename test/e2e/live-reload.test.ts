/**
 * End to end, as a user runs it: `npm start` (scripts/start.mjs) on free ports with a temp persist directory,
 * real HTTP, then `legate push --local` of a changed table while it runs, then an invalid one. Every wait is a
 * bounded poll; nothing sleeps for correctness.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, poll } from './_wait.ts'
import { legateProcess, ROOT, tempFiles } from '../cli/helpers.ts'

const START_TIMEOUT_MS = 180_000
const RELOAD_TIMEOUT_MS = 30_000
const TOKEN = 'dev-admin-token'

let gateway: ChildProcess
let output = ''
let origin: string
let echoPort: number
let port: number
const persistTo = tempFiles()
const state = join(persistTo, 'state')
const exited = () => gateway.exitCode !== null || gateway.signalCode !== null

/** routes/demo.yaml with the echo port of this run and `edit` applied. */
function demoTable(edit: (yaml: string) => string): string {
  const yaml = readFileSync(join(ROOT, 'routes/demo.yaml'), 'utf8').replace('http://127.0.0.1:8788', `http://127.0.0.1:${echoPort}`)
  return tempFiles({ 'routes.yaml': edit(yaml) })
}

beforeAll(async () => {
  ;[port, echoPort] = [await freePort(), await freePort()]
  origin = `http://127.0.0.1:${port}`
  gateway = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port), '--echo-port', String(echoPort), '--persist-to', state], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  gateway.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d))
  gateway.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d))
  await poll('npm start to print its banner', START_TIMEOUT_MS, async () => {
    if (exited()) throw new Error(`scripts/start.mjs exited early:\n${output}`)
    return output.includes('Legate is running') ? true : undefined
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n--- npm start output ---\n${output}`)
  })
}, START_TIMEOUT_MS + 10_000)

afterAll(async () => {
  if (gateway && !exited()) gateway.kill('SIGTERM')
  rmSync(persistTo, { recursive: true, force: true })
})

/** The README's curl commands, verbatim except for the port (this run's free port instead of 8787). */
function readmeCurls(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks.flatMap((b) => b.split('\n')).filter((l) => l.startsWith('curl '))
}

const sh = (cmd: string) =>
  new Promise<string>((resolve, reject) =>
    execFile('sh', ['-c', cmd], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}\n${stderr}`)) : resolve(stdout)))
  )

/** What each README curl must show; a curl with no expectation here fails the test (keep both in step). */
const README_EXPECTATIONS: [RegExp, (out: string) => void][] = [
  [/\/hello$/, (o) => expect(o).toMatch(/^HTTP\/1\.1 200[\s\S]*x-request-id: \S+[\s\S]*\r?\n\r?\nHello from Legate\n$/i)],
  [/\/echo\/orders\?id=7'$/, (o) => expect(JSON.parse(o)).toMatchObject({ path: '/orders', query: { id: '7' }, headers: { 'x-forwarded-proto': 'http', 'x-request-id': expect.any(String), 'x-forwarded-for': expect.any(String), 'x-forwarded-host': expect.stringMatching(/^localhost:\d+$/) } })],
  [/\/users\/42$/, (o) => expect(JSON.parse(o)).toMatchObject({ path: '/v1/users/42' })],
  [/\/old-docs$/, (o) => expect(o).toMatch(/^HTTP\/1\.1 301[\s\S]*location: http:\/\/localhost:\d+\/docs\r?\n/i)],
  [/-X OPTIONS/, (o) => expect(o).toMatch(/^HTTP\/1\.1 200[\s\S]*access-control-allow-origin: http:\/\/localhost:3000/i)],
  [/\/nope$/, (o) => expect(o).toMatch(/^HTTP\/1\.1 404[\s\S]*x-legate-response-flags: NR[\s\S]*"code":"ERR_ROUTE_NOT_FOUND"/i)],
  [/__legate\/status/, (o) => expect(JSON.parse(o)).toMatchObject({ config: { live_version: 1, live_sealed: true, update_rejected: 0 } })],
]

describe('the README tour', () => {
  it('every curl in the README works as written against npm start', { timeout: 60_000 }, async () => {
    const curls = readmeCurls()
    expect(curls.length).toBeGreaterThanOrEqual(README_EXPECTATIONS.length)
    for (const raw of curls) {
      // zsh (macOS' default shell) refuses an unquoted "?" that matches no file: every such URL is quoted.
      expect(raw, 'quote URLs with "?" so the command works in zsh').not.toMatch(/(^|\s)[^'"\s]*\?/)
      const cmd = raw.replaceAll('localhost:8787', `localhost:${port}`)
      const check = README_EXPECTATIONS.find(([re]) => re.test(raw.replace(/ -H .*$/, '').trim()) || re.test(raw))
      expect(check, `no expectation for README command: ${raw}`).toBeDefined()
      check![1](await sh(cmd))
    }
  })
})

describe('npm start + legate push (live reload)', () => {
  it('serves the demo table over real HTTP, through the echo upstream', async () => {
    const hello = await fetch(`${origin}/hello`)
    expect(hello.status).toBe(200)
    expect(await hello.text()).toBe('Hello from Legate\n')
    expect(hello.headers.get('x-request-id')).toBeTruthy()
    const echo = await fetch(`${origin}/echo/things?x=1`, { headers: { origin: 'http://localhost:3000' } })
    expect(await echo.json()).toMatchObject({ server: 'legate-demo-echo', method: 'GET', path: '/things', query: { x: '1' } })
    expect(echo.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
    expect(output).toContain(`curl ${origin}/hello`)
  })

  it('prints one short line per request (not the JSON access log, not the admin API it polled)', async () => {
    await fetch(`${origin}/no-such-route`)
    await poll('the short request lines', RELOAD_TIMEOUT_MS, async () => (/^GET \/no-such-route 404 \d+ms no route \[NR\] v1$/m.test(output) ? true : undefined))
    expect(output).toMatch(/^GET \/hello 200 \d+ms demo\/hello v1$/m)
    expect(output).not.toContain('"msg":"access"')
    expect(output).not.toMatch(/^\[wrangler:info\] GET /m)
    expect(output).not.toContain('GET /__legate')
  })

  it('switches to a table pushed with `legate push --local` while it runs', { timeout: 120_000 }, async () => {
    const dir = demoTable((y) =>
      y.replace('Hello from Legate', 'Hello after a push').replace(
        '      - name: echo\n',
        '      - name: added\n        match: { exact: /added }\n        direct_response: { status: 201, body: "a new route" }\n\n      - name: echo\n'
      )
    )
    const push = await legateProcess(['push', dir, '--local', '--persist-to', state])
    expect(push.stderr).not.toContain('legate:')
    expect(push.code).toBe(0)
    expect(push.stdout).toContain('pushed version 2 (sha ')
    expect(push.stdout).toContain('picks it up within 2s')
    await poll('the pushed table to be served', RELOAD_TIMEOUT_MS, async () => {
      const [hello, added] = await Promise.all([fetch(`${origin}/hello`), fetch(`${origin}/added`)])
      const [text, addedText] = [await hello.text(), await added.text()]
      return text === 'Hello after a push\n' && added.status === 201 && addedText === 'a new route' ? true : undefined
    })
  })

  it('refuses an invalid table (exit 1, nothing written) and keeps serving the last one', { timeout: 60_000 }, async () => {
    const dir = demoTable((y) => y.replace('Hello from Legate', 'never served').replace('template_rewrite: "/v1/users/{id}"', 'template_rewrite: "/v1/users/{user}"'))
    const push = await legateProcess(['push', dir, '--local', '--persist-to', state])
    expect(push.code).toBe(1)
    expect(push.stderr).toMatch(/routes\.yaml:\d+ virtual_hosts\[0\]\.routes\[2\]\.forward\.template_rewrite: \{user\} is not captured/)
    expect(push.stderr).toContain('nothing was written')
    const status = (await (await fetch(`${origin}/__legate/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
      config: { live_version: number; live_sealed: boolean; update_rejected: number }
    }
    expect(status.config).toMatchObject({ live_version: 2, live_sealed: true, update_rejected: 0 })
    expect(await (await fetch(`${origin}/hello`)).text()).toBe('Hello after a push\n')
    expect(await (await fetch(`${origin}/added`)).text()).toBe('a new route')
  })

  it('runs a canary pushed with `legate push --canary` through the running gateway: status, preview, abort', { timeout: 120_000 }, async () => {
    const dir = demoTable((y) => y.replace('Hello from Legate', 'Hello from the canary'))
    const admin = ['--url', origin]
    const push = await legateProcess(['push', dir, '--canary', '50', '--assign', 'header:x-user', ...admin])
    expect(push.stderr).not.toContain('legate:')
    expect(push.stdout).toMatch(/^canary version 3 \(sha \w+\) of stable 2 at http:\/\/127\.0\.0\.1:\d+: 50 % of clients, steps 50 %, bake 600s each, then promotion\.$/m)
    const served = async () => {
      const seen = new Map<string, string>()
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${origin}/hello`, { headers: { 'x-user': `user-${i}` } })
        seen.set(`user-${i}`, `${res.headers.get('x-legate-config-version')} ${(await res.text()).trim()}`)
      }
      return new Set(seen.values())
    }
    expect(await served()).toEqual(new Set(['2 Hello after a push', '3 Hello from the canary']))

    const status = await legateProcess(['rollout', 'status', ...admin])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(/^rollout \S+: canary version 3 at 50 % \(step 1 of 1: 50 %\), stable 2$/m)
    expect(status.stdout).toMatch(/started\s+50 %  canary of version 3 at 50 %/)

    const again = await legateProcess(['push', dir, '--url', origin])
    expect(again.code).toBe(4)
    expect(again.stderr).toContain('ERR_ROLLOUT_CONFLICT')
    const direct = await legateProcess(['push', dir, '--local', '--persist-to', state])
    expect(direct.code).toBe(4)
    expect(direct.stderr).toContain('a canary rollout of version 3 is running')

    const preview = await legateProcess(['rollout', 'preview', '3', '--ttl', '5m', ...admin])
    const curl = /curl (-H '[^']+' -H '[^']+') /.exec(preview.stdout)
    expect(curl, preview.stdout + preview.stderr).not.toBeNull()
    const headers = Object.fromEntries([...curl![1]!.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1]!, m[2]!]))
    expect(await (await fetch(`${origin}/hello`, { headers: { ...headers, 'x-user': 'anyone' } })).text()).toBe('Hello from the canary\n')

    const abort = await legateProcess(['rollout', 'abort', '--reason', 'e2e check', ...admin])
    expect(abort.stdout).toContain('aborted: version 2 is stable (e2e check).')
    await poll('every request back on stable', RELOAD_TIMEOUT_MS, async () => ((await served()).size === 1 ? true : undefined))
    expect(await served()).toEqual(new Set(['2 Hello after a push']))
    const history = await legateProcess(['history', '--local', '--persist-to', state])
    expect(history.stdout).toMatch(/^\s+3 .* admin canary\n\s+\S+\s+canary started at 50 %: canary of version 3 at 50 %\n\s+\S+\s+canary aborted at 0 %: e2e check$/m)
    const stale = await legateProcess(['push', dir, '--expect-version', '1', ...admin])
    expect(stale.code).toBe(4)
    expect(stale.stderr).toMatch(/based on version 1, but version 2 is live/)
    // A rollback through the gateway is numbered by the same coordinator: after the canary's 3 comes 4.
    const back = await legateProcess(['rollback', '1', ...admin])
    expect(back.stdout).toMatch(/^rolled back to the content of version 1 as version 4 through http:\/\/127\.0\.0\.1:\d+\.$/m)
    expect(await (await fetch(`${origin}/hello`)).text()).toBe('Hello from Legate\n')
  })

  it('stops both children on Ctrl-C (SIGINT) and exits 0', { timeout: 60_000 }, async () => {
    const done = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)))
    gateway.kill('SIGINT')
    expect(await done).toBe(0)
    for (const p of [port, echoPort])
      await poll(`port ${p} to be released`, 15_000, async () => {
        await new Promise<void>((resolve, reject) => {
          const s = createServer().once('error', reject)
          s.listen(p, '127.0.0.1', () => s.close(() => resolve()))
        })
        return true
      })
  })
})
