/**
 * `npm start` failure paths that stop before wrangler starts, and what it shows of wrangler dev's output, with a
 * fake wrangler (fast). The happy path with the real one is test/e2e/live-reload.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FAKE_WRANGLER, MINIMAL, ROOT, tempFiles, type RunResult } from './helpers.ts'

function npmStart(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const { port } = s.address() as { port: number }
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

let busy: Server
const busyPort = () => (busy.address() as { port: number }).port
afterAll(() => new Promise<void>((r) => (busy ? busy.close(() => r()) : r())))

describe('npm start (scripts/start.mjs)', () => {
  it('exits 1 with every error when the route table is invalid, starting nothing', async () => {
    const dir = tempFiles({ 'bad.yaml': MINIMAL.replace('status: 200', 'status: 99') })
    const r = await npmStart(['--routes', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${join(dir, 'bad.yaml')}:10 virtual_hosts[0].routes[0].direct_response.status:`)
    expect(r.stdout).not.toContain('[echo]')
  })

  it('exits 2 and names the flag when a port is in use', async () => {
    busy = createServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()))
    const r = await npmStart(['--port', String(await freePort()), '--echo-port', String(busyPort())])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`port ${busyPort()} is in use (another \`npm start\`?): pick another with --echo-port`)
  })

  it('exits 3 and stops the echo server when wrangler dev fails to start', async () => {
    const dir = tempFiles()
    const echoPort = await freePort()
    const r = await npmStart(['--port', String(await freePort()), '--echo-port', String(echoPort), '--persist-to', join(dir, 'state')], {
      LEGATE_WRANGLER: FAKE_WRANGLER, // handles `kv …` (the push), refuses `dev`
      FAKE_WRANGLER_KV: join(dir, 'kv.json'),
    })
    expect(r.code).toBe(3)
    expect(r.stdout).toContain(`[echo] echo server listening on http://127.0.0.1:${echoPort}`)
    expect(r.stdout).toContain('pushed version 1')
    expect(r.stderr).toContain('fake wrangler: unsupported command dev')
    expect(r.stderr).toContain('wrangler dev exited')
    await new Promise<void>((resolve, reject) => {
      const s = createServer().once('error', reject)
      s.listen(echoPort, '127.0.0.1', () => s.close(() => resolve()))
    })
  })

  it('shows one short line per request by default and the full JSON lines with --log json', async () => {
    const access = (path: string, status: number, flags: string) =>
      JSON.stringify({ level: 'info', msg: 'access', method: 'GET', path, status, response_flags: flags, vhost: 'demo', route: 'hello', duration_ms: 3 })
    const devOutput = [
      '{"level":"info","msg":"config applied","version":1}',
      '[wrangler:info] GET /__legate/stats 200 OK (30ms)',
      access('/__legate/stats', 200, '-'),
      access('/hello', 200, '-'),
      '[wrangler:info] GET /hello 200 OK (9ms)',
      access('/echo/x', 503, 'UF'),
      'anything else',
    ]
    const run = async (extra: string[]) => {
      const dir = tempFiles()
      return npmStart(['--port', String(await freePort()), '--echo-port', String(await freePort()), '--persist-to', join(dir, 'state'), ...extra], {
        LEGATE_WRANGLER: FAKE_WRANGLER,
        FAKE_WRANGLER_KV: join(dir, 'kv.json'),
        FAKE_WRANGLER_DEV_OUTPUT: JSON.stringify(devOutput),
      })
    }
    const [short, json] = await Promise.all([run([]), run(['--log', 'json'])])
    const shown = (r: RunResult) => r.stdout.slice(r.stdout.indexOf('Starting wrangler')).split('\n').slice(1, -1)
    expect(short.code).toBe(3)
    expect(shown(short)).toEqual(['config version 1 applied', 'GET /hello 200 3ms demo/hello v1', 'GET /echo/x 503 3ms demo/hello [UF] v1', 'anything else'])
    expect(json.code).toBe(3)
    expect(shown(json)).toEqual(devOutput)
  })

  it('exits 2 on an unknown --log mode', async () => {
    const r = await npmStart(['--log', 'yaml'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--log yaml: expected short or json')
  })

  it('exits 2 on an unknown flag and prints usage with --help', async () => {
    const [bad, help] = await Promise.all([npmStart(['--prot', '1']), npmStart(['--help'])])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("Unknown option '--prot'")
    expect(bad.stderr).toContain('npm start -- --help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: npm start -- \[--port 8787\]/)
    expect(help.stdout).toContain('--log short|json')
  })
})
