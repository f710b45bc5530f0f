/**
 * End to end, as a user runs it: `npm start` (scripts/start.mjs) on free ports with a temp persist directory,
 * real HTTP, then `legate push --local` of a changed table while it runs, then an invalid one. Every wait is a
 * bounded poll; nothing sleeps for correctness.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { legateProcess, ROOT, tempFiles } from '../cli/helpers.ts'

const START_TIMEOUT_MS = 180_000
const RELOAD_TIMEOUT_MS = 30_000
const TOKEN = 'dev-admin-token'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** Retries `probe` until it returns a value or the deadline passes (then fails with the last error). */
async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

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
      config: { live_version: number; update_rejected: number }
    }
    expect(status.config).toMatchObject({ live_version: 2, update_rejected: 0 })
    expect(await (await fetch(`${origin}/hello`)).text()).toBe('Hello after a push\n')
    expect(await (await fetch(`${origin}/added`)).text()).toBe('a new route')
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
