/**
 * The dashboard in a real headless Chromium (Debian `chromium` driven by playwright-core) against the gateway
 * started as `npm start` does: a table with a failing route and the flight recorder is PUT through the admin
 * API, traffic runs in the background, and the page must draw its charts and tables with data. The screenshot
 * goes to test/artifacts/dashboard.png (gitignored). Chromium is installed with apt-get when missing (root only;
 * otherwise the test fails saying what to install). Every wait is a bounded poll.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, poll } from './_wait.ts'
import { ROOT, tempFiles } from '../cli/helpers.ts'

const START_TIMEOUT_MS = 180_000
const INSTALL_TIMEOUT_MS = 900_000
const TOKEN = 'dev-admin-token'
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser']
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The Chromium binary, installed with apt-get (Debian package `chromium`) when missing. */
function ensureChromium(): string {
  const found = () => CHROMIUM_PATHS.find((p) => existsSync(p))
  if (found()) return found()!
  if (process.getuid?.() !== 0) throw new Error('Chromium is missing and this test is not running as root: install it first (`apt-get install -y chromium`).')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000, env })
  execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'ignore', timeout: 600_000, env })
  if (!found()) throw new Error('apt-get install chromium succeeded but no chromium binary was found')
  return found()!
}


let gateway: ChildProcess
let output = ''
let origin: string
let echoPort: number
let executablePath: string
let traffic: { stop: boolean; done?: Promise<void> } = { stop: false }
let context: BrowserContext | undefined
const persistTo = tempFiles()
const userDataDir = mkdtempSync(join(tmpdir(), 'legate-chromium-'))
const exited = () => gateway.exitCode !== null || gateway.signalCode !== null
/**
 * Functions Playwright runs in the page reach `document` through globalThis (the test project has no DOM
 * types). Functions, not strings: the page's CSP forbids eval; Playwright runs functions without it.
 */
type Page = { document: { querySelector(s: string): { textContent: string; getAttribute(a: string): string | null } } }

const table = () => ({
  gateway: { refresh_interval: '1s' },
  observability: {
    stats: { flush_interval: '1s' },
    access_log: { sample_successes_percent: 0 },
    recorder: { enabled: true, sample_percent: 100, flush_interval: '1s', triggers: [{ name: 'server-errors', status_class: '5xx', cooldown: '1s' }] },
  },
  clusters: [{ name: 'echo', endpoints: [{ url: `http://127.0.0.1:${echoPort}` }] }],
  virtual_hosts: [
    {
      name: 'demo',
      domains: ['*'],
      routes: [
        { name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body: 'hi' } },
        { name: 'echo', match: { prefix: '/echo/' }, forward: { cluster: 'echo', prefix_rewrite: '/' } },
        { name: 'broken', match: { exact: '/broken' }, direct_response: { status: 503 } },
      ],
    },
  ],
})

beforeAll(async () => {
  executablePath = ensureChromium()
  ;[echoPort] = [await freePort()]
  const port = await freePort()
  origin = `http://127.0.0.1:${port}`
  gateway = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port), '--echo-port', String(echoPort), '--persist-to', join(persistTo, 'state')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  gateway.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d))
  gateway.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d))
  await poll('npm start to print its banner', START_TIMEOUT_MS, async () => {
    // A failed start ends the wait at once, with its output.
    if (exited() || output.includes('a child exited')) throw new Error(`npm start failed:\n${output}`)
    return output.includes('Legate is running') ? true : undefined
  })
  const put = await fetch(`${origin}/__legate/config`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(table()) })
  expect(put.status, await put.clone().text()).toBe(200)
  traffic = { stop: false }
  traffic.done = (async () => {
    const paths = ['/hello', '/echo/a', '/hello', '/echo/b?x=1', '/nope', '/hello', '/broken']
    for (let i = 0; !traffic.stop; i++) {
      await fetch(`${origin}${paths[i % paths.length]}`).then((r) => r.arrayBuffer()).catch(() => undefined)
      await new Promise((r) => setTimeout(r, 40))
    }
  })()
}, INSTALL_TIMEOUT_MS + START_TIMEOUT_MS)

afterAll(async () => {
  traffic.stop = true
  await traffic.done
  await context?.close()
  if (gateway && !exited()) gateway.kill('SIGTERM')
  rmSync(persistTo, { recursive: true, force: true })
  rmSync(userDataDir, { recursive: true, force: true })
})

describe('the dashboard (GET /__legate/ui) in headless Chromium', () => {
  it('draws request rate, latency percentiles, routes, clusters, config and recorder snapshots, and refreshes', { timeout: 120_000 }, async () => {
    context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 1000 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    const res = await page.goto(`${origin}/__legate/ui#token=${TOKEN}&refresh=500`)
    expect(res!.status()).toBe(200)
    expect(res!.headers()['content-security-policy']).toContain("default-src 'none'")
    expect(page.url()).not.toContain(TOKEN) // the token leaves the address bar at once

    for (const panel of ['rate', 'latency', 'routes', 'clusters', 'config', 'recorder'])
      await page.waitForSelector(`#${panel}-panel[data-ready="1"]`, { timeout: 60_000 })
    await page.waitForFunction(() => Number((globalThis as unknown as Page).document.querySelector('#rate-chart').getAttribute('data-points')) >= 4, null, { timeout: 30_000 })
    await page.waitForSelector('#snapshots tr', { timeout: 30_000 })

    const rate = (await page.locator('#rate-chart path').getAttribute('d')) ?? ''
    expect(rate.split(/[ML]/).filter((s: string) => s.trim()).length).toBeGreaterThanOrEqual(4)
    expect(await page.locator('#latency-chart path[data-series="p99"]').count()).toBe(1)
    expect(await page.textContent('#rate-now')).toMatch(/\d+(\.\d)? req\/s/)
    const routes = await page.$$eval('#routes tr td:first-child', (tds) => tds.map((td) => td.textContent))
    expect(routes).toEqual(expect.arrayContaining(['demo / hello', 'demo / echo', 'demo / broken']))
    expect(await page.locator('#routes tr .bar span').count()).toBeGreaterThanOrEqual(3)
    expect(await page.textContent('#clusters')).toContain('echo (1/1)')
    expect(await page.textContent('#version')).toMatch(/^v\d+$/)
    expect(await page.textContent('#snapshots')).toContain('server-errors')

    // It refreshes itself: the "updated" time changes without a reload.
    const before = await page.textContent('#updated')
    await page.waitForFunction((b) => (globalThis as unknown as Page).document.querySelector('#updated').textContent !== b, before, { timeout: 10_000 })

    await page.click('#snapshots tr button')
    await page.waitForSelector('#snapshot-detail:not([hidden])', { timeout: 10_000 })
    expect(await page.textContent('#snapshot-detail')).toMatch(/» \S+ GET \/broken 503/)

    mkdirSync(join(ROOT, 'test/artifacts'), { recursive: true })
    await page.screenshot({ path: join(ROOT, 'test/artifacts/dashboard.png'), fullPage: true })
    expect(problems).toEqual([])
  })

  it('asks for the token when none is given, and goes back to the form when it is refused', { timeout: 60_000 }, async () => {
    const page = await context!.newPage()
    await page.goto(`${origin}/__legate/ui`)
    await page.waitForSelector('#login:not([hidden])')
    await page.fill('#token', 'wrong-token')
    await page.click('#login-form button')
    await page.waitForFunction(() => (globalThis as unknown as Page).document.querySelector('#login-error').textContent.includes('refused'), null, { timeout: 10_000 })
    await page.fill('#token', TOKEN)
    await page.click('#login-form button')
    await page.waitForSelector('#config-panel[data-ready="1"]', { timeout: 20_000 })
  })
})
