/** `npm start` failure paths that stop before wrangler starts (fast). The happy path is test/e2e/live-reload. */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MINIMAL, ROOT, tempFiles, type RunResult } from './helpers.ts'

function npmStart(args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
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
    const free = createServer()
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()))
    const port = (free.address() as { port: number }).port
    await new Promise<void>((r) => free.close(() => r()))
    const r = await npmStart(['--port', String(port), '--echo-port', String(busyPort())])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`port ${busyPort()} is in use (another \`npm start\`?): pick another with --echo-port`)
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
