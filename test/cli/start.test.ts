/** `npm start` failure paths that stop before wrangler starts (fast). The happy path is test/e2e/live-reload. */
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

  it('exits 2 on an unknown flag and prints usage with --help', async () => {
    const [bad, help] = await Promise.all([npmStart(['--prot', '1']), npmStart(['--help'])])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("Unknown option '--prot'")
    expect(bad.stderr).toContain('npm start -- --help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: npm start -- \[--port 8787\]/)
  })
})
