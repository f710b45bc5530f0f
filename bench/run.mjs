#!/usr/bin/env node
/**
 * Legate benchmark suite (issue 7): `npm run bench` (full) or `npm run bench -- --quick` (< 3 minutes).
 *
 *  1. Micro benchmarks: route match (bench/micro-router.ts) and full config compile (bench/micro.ts), each in
 *     its own Node process through tsx.
 *  2. Load: a fast Node upstream on 127.0.0.1 (bench/upstream.mjs), then every system of bench/scenarios.mjs,
 *     driven by the same load generator (autocannon, programmatic API, in this process) with the same request,
 *     in alternating rounds (bare, legate-plain, legate-full, hono, fast-gateway, nginx, bare, …) so machine drift
 *     cancels. Workers run on workerd through Miniflare's API, each reached on its own workerd socket
 *     (`unsafeDirectSockets`), which bypasses Miniflare's entry Worker; never through `wrangler dev`.
 *  3. Output: a table on stdout, bench/results.json, and the chart docs/performance.svg (bench/chart.mjs).
 *
 * Every process it starts is stopped at the end, on failure, on Ctrl-C and on SIGTERM; bench/reaper.mjs stops
 * workerd and nginx even if this process is killed outright.
 *
 * Options: --quick, --rounds N, --duration S, --warmup S, --connections N, --only a,b (scenario names; bare is
 * always kept), --skip-micro, --skip-load, --calibrate (adds `bare-workerd-raw`: the bare Worker on a generated
 * workerd config, no Miniflare, to check that the Miniflare socket does not cap throughput), --out FILE.
 * Environment: BENCH_FAST_GATEWAY=<dir of an installed fast-gateway> when it is not a dependency of the repo.
 */
import { execFileSync, fork, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { checkSystem, LOAD_HEADERS, LOAD_PATH, legateFullConfig, legatePlainConfig, SCENARIOS } from './scenarios.mjs'
import { evaluateTargets } from './targets.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = path.join(ROOT, 'bench')
const BUILD = path.join(BENCH, '.build')

const USAGE = `usage: npm run bench [-- options]
  --quick            2 rounds × 5 s, 1 s warm-up, fewer micro runs (< 3 minutes)
  --rounds N         alternating rounds (default 5)
  --duration S       seconds per measured run (default 10)
  --warmup S         seconds of warm-up per system before the rounds (default 3)
  --connections N    autocannon connections (default 32)
  --only a,b         only these scenarios (bare is always kept)
  --skip-micro       load runs only
  --skip-load        micro benchmarks only
  --calibrate        also run the bare Worker on a generated workerd config (scenario bare-workerd-raw)
  --out FILE         results file (default bench/results.json; the chart goes next to it, or to docs/ for the default)`

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    'skip-micro': { type: 'boolean', default: false },
    'skip-load': { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(BENCH, 'results.json') },
    help: { type: 'boolean', default: false },
  },
})
if (opt.help) {
  console.log(USAGE)
  process.exit(0)
}
const PROFILE = opt.quick
  ? { rounds: 2, duration: 5, warmup: 1, connections: 32 }
  : { rounds: 5, duration: 10, warmup: 3, connections: 32 }
const RUN = {
  quick: opt.quick,
  rounds: Number(opt.rounds ?? PROFILE.rounds),
  duration_s: Number(opt.duration ?? PROFILE.duration),
  warmup_s: Number(opt.warmup ?? PROFILE.warmup),
  connections: Number(opt.connections ?? PROFILE.connections),
}
for (const [k, v] of Object.entries(RUN))
  if (typeof v === 'number' && (!Number.isFinite(v) || v < (k === 'warmup_s' ? 0 : 1) || !Number.isInteger(v))) {
    console.error(`bench: --${k.replace('_s', '')} must be a whole number${k === 'warmup_s' ? '' : ' ≥ 1'} (got ${v})`)
    process.exit(2)
  }
const DEFAULT_OUT = path.join(BENCH, 'results.json')
/** The chart goes to docs/ for the default results file, next to the results file otherwise. */
const SVG_OUT = path.resolve(opt.out) === DEFAULT_OUT ? path.join(ROOT, 'docs', 'performance.svg') : path.resolve(opt.out).replace(/\.json$/, '') + '.svg'
const ONLY = opt.only ? new Set(['bare', ...opt.only.split(',').map((s) => s.trim())]) : undefined

const log = (...a) => console.error('[bench]', ...a)

// ---------------------------------------------------------------------------------------------------------------
// Process bookkeeping: everything started here is stopped in cleanup(), whatever happens.

const children = new Set()
const cleanups = []
let reaper
let currentLoad
let cleaningUp

function track(child, label) {
  child.label = label
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  const timeout = new Promise((r) => setTimeout(r, 3000, 'timeout'))
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
  }
}

const pidAlive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function cleanup() {
  cleaningUp ??= (async () => {
    currentLoad?.stop?.()
    for (const fn of cleanups.reverse()) {
      try {
        await fn()
      } catch (e) {
        log('cleanup step failed:', e?.message ?? e)
      }
    }
    await Promise.all([...children].filter((c) => c !== reaper).map((c) => stopChild(c)))
    if (reaper?.connected) {
      reaper.send({ done: true })
      reaper.disconnect()
    }
  })()
  return cleaningUp
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping every process the benchmark started`)
    cleanup().finally(() => process.exit(128 + (os.constants.signals[sig] ?? 1)))
  })
}

/** Forks a bench helper that reports { port } over IPC once listening. */
async function forkServer(file, args, label) {
  const child = track(fork(path.join(BENCH, file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), label)
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port))
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}) before listening`)))
    setTimeout(() => reject(new Error(`${label} did not start within 15 s`)), 15_000)
  })
  return { child, port }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function waitForHttp(url, ms = 15_000) {
  const until = Date.now() + ms
  for (;;) {
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      return
    } catch (e) {
      if (Date.now() > until) throw new Error(`${url} did not answer within ${ms / 1000} s: ${e.message}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** Children of this process with this command name (Linux /proc), e.g. the workerd that Miniflare spawned. */
function childPids(comm) {
  try {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => {
        try {
          const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
          const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
          return ppid === process.pid && name === comm ? [Number(d)] : []
        } catch {
          return []
        }
      })
  } catch {
    return []
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Versions and machine

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}
const pkgVersion = (name) => readJson(path.join(ROOT, 'node_modules', name, 'package.json'))?.version ?? null

function gitRevision() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'durable', 'wrangler.toml'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return dirty ? `${sha}+uncommitted` : sha
  } catch {
    return null
  }
}

function machine() {
  const cpus = os.cpus()
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    load_avg_start: os.loadavg().map((x) => Number(x.toFixed(2))),
    load_avg_end: null,
    run: {
      ...RUN,
      load_generator: `autocannon ${pkgVersion('autocannon')} (programmatic, in the harness process), ${RUN.connections} connections, no pipelining`,
      request: `GET ${LOAD_PATH} with ${Object.keys(LOAD_HEADERS).join(', ')}`,
      ratio_to_bare: 'median over rounds of (scenario req/s / bare req/s in the same round)',
      started_at: new Date().toISOString(),
      finished_at: null,
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Micro benchmarks

async function runTs(file, args = []) {
  const child = track(spawn(process.execPath, ['--import', 'tsx', path.join(BENCH, file), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }), file)
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const code = await new Promise((r) => child.once('exit', (c, s) => r(c ?? s)))
  if (code !== 0) throw new Error(`${file} exited with ${code}`)
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
}

async function runMicro() {
  const micro = []
  if (fs.existsSync(path.join(BENCH, 'micro-router.ts'))) {
    log('micro: route match (bench/micro-router.ts)')
    micro.push(...(await runTs('micro-router.ts')))
  } else log('micro: bench/micro-router.ts is missing; route-match figures skipped')
  log('micro: config compile (bench/micro.ts)')
  micro.push(...(await runTs('micro.ts', RUN.quick ? ['--quick'] : [])))
  return micro
}

// ---------------------------------------------------------------------------------------------------------------
// Systems under load

async function bundleWorkers() {
  const { build, stop } = await import('esbuild')
  fs.mkdirSync(BUILD, { recursive: true })
  cleanups.push(() => stop())
  await build({
    entryPoints: { legate: path.join(BENCH, 'workers/legate.ts'), 'hono-gateway': path.join(BENCH, 'workers/hono-gateway.ts') },
    outdir: BUILD,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'warning',
  })
  await stop() // the esbuild service process is not needed during the load runs
  return { legate: path.join(BUILD, 'legate.js'), hono: path.join(BUILD, 'hono-gateway.js') }
}

/** Legate's worker options from wrangler.toml (compat date and flags, vars, Durable Objects as they land). */
async function legateWorkerOptions() {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.toml'))
  return workerOptions
}

function resolveFastGateway() {
  const candidates = [process.env.BENCH_FAST_GATEWAY, path.join(ROOT, 'node_modules', 'fast-gateway')].filter(Boolean)
  for (const dir of candidates) {
    const pkg = readJson(path.join(dir, 'package.json'))
    if (pkg?.name === 'fast-gateway') return { dir, version: pkg.version }
  }
  return undefined
}

function findNginx() {
  try {
    const bin = execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim()
    if (!bin) return undefined
    const v = execFileSync(bin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return { bin, version: v.trim() }
  } catch (e) {
    const stderr = String(e?.stderr ?? '')
    // `nginx -v` prints to stderr; some builds exit non-zero.
    if (stderr.includes('nginx version')) return { bin: 'nginx', version: stderr.trim() }
    return undefined
  }
}

async function startNginx(bin, upstreamPort) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'legate-bench-nginx-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream bench_upstream { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf)
  const child = track(spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] }), 'nginx')
  reaper.send({ add: child.pid })
  cleanups.push(async () => {
    await stopChild(child, 'SIGQUIT')
    reaper.send({ remove: child.pid })
  })
  await waitForHttp(`http://127.0.0.1:${port}/`)
  return `http://127.0.0.1:${port}`
}

/** --calibrate: the bare Worker on a generated workerd config, with no Miniflare in the process at all. */
async function startRawWorkerd(upstream, compatibilityDate) {
  const workerdModule = await import('workerd')
  const workerdBin = workerdModule.default?.default ?? workerdModule.default
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'legate-bench-workerd-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.copyFileSync(path.join(BENCH, 'workers/bare.js'), path.join(dir, 'bare.js'))
  const port = await freePort()
  fs.writeFileSync(
    path.join(dir, 'bare.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "bare", worker = .bare),
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true)))
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "bare") ]
);
const bare :Workerd.Worker = (
  modules = [ (name = "bare.js", esModule = embed "bare.js") ],
  compatibilityDate = "${compatibilityDate}",
  bindings = [ (name = "UPSTREAM", text = "${upstream}") ],
  globalOutbound = "internet",
);
`
  )
  const child = track(spawn(workerdBin, ['serve', path.join(dir, 'bare.capnp')], { stdio: ['ignore', 'ignore', 'inherit'] }), 'workerd (raw)')
  reaper.send({ add: child.pid })
  cleanups.push(async () => {
    await stopChild(child)
    reaper.send({ remove: child.pid })
  })
  await waitForHttp(`http://127.0.0.1:${port}/`)
  return `http://127.0.0.1:${port}`
}

async function seedLegate(mf, workerName, config) {
  const { tsImport } = await import('tsx/esm/api')
  const { toRecords } = await tsImport('../src/config/publish.ts', import.meta.url)
  const { key, stored, pointer } = await toRecords(config, 0, 'bench')
  const kv = await mf.getKVNamespace('CONFIG', workerName)
  await kv.put(key, JSON.stringify(stored), { metadata: { pushed_at: pointer.pushed_at, source: 'bench', sha256: pointer.sha256 } })
  await kv.put('config/current', JSON.stringify(pointer))
}

/** Starts every selected system; returns { name -> base URL } and marks the rest skipped. */
async function startSystems(scenarios, upstream) {
  const bases = {}
  const workers = scenarios.filter((s) => s.kind === 'worker' && !s.skipped)
  const runtimeLog = []
  if (workers.length) {
    log('bundling Legate and the Hono gateway (esbuild)')
    const bundles = await bundleWorkers()
    log('reading wrangler.toml (wrangler.unstable_getMiniflareWorkerOptions)')
    const legateBase = await legateWorkerOptions()
    const common = { compatibilityDate: legateBase.compatibilityDate, compatibilityFlags: legateBase.compatibilityFlags ?? [] }
    const direct = [{ host: '127.0.0.1', port: 0 }]
    const defs = {
      bare: { ...common, name: 'bare', modules: true, scriptPath: path.join(BENCH, 'workers/bare.js'), bindings: { UPSTREAM: upstream } },
      'hono-handwritten': { ...common, name: 'hono-handwritten', modules: true, scriptPath: bundles.hono, bindings: { UPSTREAM: upstream } },
      'legate-plain': { ...legateBase, name: 'legate-plain', modules: true, scriptPath: bundles.legate, kvNamespaces: { CONFIG: 'bench-legate-plain' } },
      'legate-full': { ...legateBase, name: 'legate-full', modules: true, scriptPath: bundles.legate, kvNamespaces: { CONFIG: 'bench-legate-full' } },
    }
    const { Miniflare } = await import('miniflare')
    const mf = new Miniflare({
      // stripCfConnectingIp: false, or Miniflare sends every subrequest through an extra JavaScript Worker that
      // strips CF-Connecting-IP (a local emulation of a platform rule that a generated workerd config lacks too).
      workers: workers.map((s) => ({ ...defs[s.worker], stripCfConnectingIp: false, unsafeDirectSockets: direct })),
      handleRuntimeStdio(stdout, stderr) {
        for (const stream of [stdout, stderr])
          stream.on('data', (d) => {
            runtimeLog.push(...String(d).split('\n').filter(Boolean))
            if (runtimeLog.length > 200) runtimeLog.splice(0, runtimeLog.length - 200)
          })
      },
    })
    let workerdPids = []
    cleanups.push(async () => {
      const disposed = Promise.resolve(mf.dispose()).catch(() => {})
      await Promise.race([disposed, new Promise((r) => setTimeout(r, 10_000))])
      for (const pid of workerdPids) {
        if (pidAlive(pid)) process.kill(pid, 'SIGKILL')
        reaper.send({ remove: pid })
      }
    })
    await mf.ready
    workerdPids = childPids('workerd')
    for (const pid of workerdPids) reaper.send({ add: pid })
    if (workers.some((s) => s.worker === 'legate-plain')) await seedLegate(mf, 'legate-plain', legatePlainConfig(upstream))
    if (workers.some((s) => s.worker === 'legate-full')) await seedLegate(mf, 'legate-full', legateFullConfig(upstream))
    for (const s of workers) bases[s.name] = (await mf.unsafeGetDirectURL(s.worker)).origin
    if (opt.calibrate) bases['bare-workerd-raw'] = await startRawWorkerd(upstream, common.compatibilityDate)
  }

  const fg = scenarios.find((s) => s.name === 'fast-gateway' && !s.skipped)
  if (fg) {
    const found = resolveFastGateway()
    if (!found)
      fg.skipped = 'fast-gateway is not installed: add the devDependency fast-gateway@3.4.7 (or set BENCH_FAST_GATEWAY to an installed copy)'
    else {
      const { child, port } = await forkServer('fast-gateway.mjs', [found.dir, upstream], 'fast-gateway')
      cleanups.push(() => stopChild(child))
      fg.version = found.version
      bases['fast-gateway'] = `http://127.0.0.1:${port}`
    }
  }

  const ngx = scenarios.find((s) => s.name === 'nginx' && !s.skipped)
  if (ngx) {
    const found = findNginx()
    if (!found) ngx.skipped = 'nginx is not installed (`which nginx` finds nothing)'
    else {
      ngx.version = found.version
      bases.nginx = await startNginx(found.bin, new URL(upstream).port)
    }
  }
  return { bases, runtimeLog }
}

function load(base, duration) {
  return new Promise((resolve, reject) => {
    import('autocannon').then(({ default: autocannon }) => {
      currentLoad = autocannon(
        { url: new URL(LOAD_PATH, base).href, connections: RUN.connections, pipelining: 1, duration, timeout: 10, headers: LOAD_HEADERS },
        (err, res) => {
          currentLoad = undefined
          if (err) reject(err)
          else resolve(res)
        }
      )
    }, reject)
  })
}

const doCalls = async (base, method = 'GET') => (await (await fetch(new URL('/__bench/do-calls', base), { method })).json()).calls

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

async function runLoad(scenarios) {
  log('starting the upstream')
  const { child: upChild, port: upPort } = await forkServer('upstream.mjs', [], 'upstream')
  cleanups.push(() => stopChild(upChild))
  const upstream = `http://127.0.0.1:${upPort}`

  const { bases, runtimeLog } = await startSystems(scenarios, upstream)
  const active = scenarios.filter((s) => bases[s.name] && !s.skipped)
  if (opt.calibrate && bases['bare-workerd-raw'])
    active.splice(1, 0, { name: 'bare-workerd-raw', kind: 'calibration', system: 'bare Worker on a generated workerd config (no Miniflare)' })

  for (const s of active) {
    const failures = await checkSystem(s.name, bases[s.name])
    if (failures.length) {
      s.error = `failed its pre-run checks: ${failures.join('; ')}`
      log(`${s.name}: ${s.error}`)
      if (s.kind === 'worker') log(`workerd output (last lines):\n${runtimeLog.slice(-20).join('\n')}`)
    }
  }
  const bare = active.find((s) => s.name === 'bare')
  if (!bare || bare.error) throw new Error(`the bare Worker is not usable, so no ratio can be computed: ${bare?.error ?? 'not started'}`)
  const measuredSet = active.filter((s) => !s.error)

  log(`warm-up: ${RUN.warmup_s} s per system`)
  for (const s of measuredSet) await load(bases[s.name], RUN.warmup_s)

  for (const s of measuredSet) s.rounds = []
  for (let r = 0; r < RUN.rounds; r++) {
    for (const s of measuredSet) {
      if (s.legate) await doCalls(bases[s.name], 'POST')
      const res = await load(bases[s.name], RUN.duration_s)
      const calls = s.legate ? await doCalls(bases[s.name]) : null
      const rps = res['2xx'] / res.duration
      s.rounds.push({ rps, p50: res.latency.p50, p99: res.latency.p99, requests: res.requests.total, bad: res.non2xx + res.errors + res.timeouts, calls })
      log(`round ${r + 1}/${RUN.rounds} ${s.name.padEnd(18)} ${rps.toFixed(0).padStart(6)} req/s  p50 ${res.latency.p50} ms  p99 ${res.latency.p99} ms${res.non2xx + res.errors + res.timeouts ? `  (${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts)` : ''}`)
    }
  }

  for (const s of measuredSet) {
    const bad = s.rounds.reduce((a, x) => a + x.bad, 0)
    const total = s.rounds.reduce((a, x) => a + x.requests, 0)
    if (total === 0 || s.rounds.some((x) => x.rps === 0)) s.error = 'no successful response in at least one round'
    else if (bad > total * 0.001) s.error = `${bad} of ${total} responses were not 2xx or failed`
    s.rps = median(s.rounds.map((x) => x.rps))
    s.p50 = median(s.rounds.map((x) => x.p50))
    s.p99 = median(s.rounds.map((x) => x.p99))
    s.ratio = median(s.rounds.map((x, i) => x.rps / bare.rounds[i].rps))
    s.doPerRequest = s.legate ? s.rounds.reduce((a, x) => a + x.calls, 0) / total : null
  }
  if (bare.error) throw new Error(`the bare Worker failed under load, so no ratio can be computed: ${bare.error}`)
  return active
}

// ---------------------------------------------------------------------------------------------------------------
// Output

function toResultScenario(s) {
  const base = { name: s.name, system: s.version ? `${s.system}, ${s.version}` : s.system }
  const nulls = { rps: null, p50_ms: null, p99_ms: null, ratio_to_bare: null, do_calls_per_request: null }
  if (s.skipped) return { ...base, ...nulls, skipped: s.skipped }
  if (s.error || s.rps === undefined) return { ...base, ...nulls, error: s.error ?? 'not run' }
  return {
    ...base,
    rps: Math.round(s.rps),
    p50_ms: s.p50,
    p99_ms: s.p99,
    ratio_to_bare: Number(s.ratio.toFixed(3)),
    do_calls_per_request: s.doPerRequest === null ? null : Number(s.doPerRequest.toFixed(3)),
    ...(s.note ? { note: s.note } : {}),
  }
}

function printTable(results, active) {
  const rows = [['scenario', 'req/s', 'min–max', 'p50 ms', 'p99 ms', '× bare', 'DO/req', 'notes']]
  for (const s of results.scenarios) {
    const a = active.find((x) => x.name === s.name)
    const spread = a?.rounds?.length ? `${Math.round(Math.min(...a.rounds.map((r) => r.rps)))}–${Math.round(Math.max(...a.rounds.map((r) => r.rps)))}` : ''
    if (s.rps === null) rows.push([s.name, '-', '', '-', '-', '-', '-', s.skipped ? `skipped: ${s.skipped}` : `error: ${s.error}`])
    else
      rows.push([
        s.name,
        String(s.rps),
        spread,
        String(s.p50_ms),
        String(s.p99_ms),
        s.ratio_to_bare.toFixed(3),
        s.do_calls_per_request === null ? '-' : String(s.do_calls_per_request),
        s.note ?? '',
      ])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r) => r.map((c, i) => (i === 7 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(`\nLoad (${RUN.rounds} rounds × ${RUN.duration_s} s, ${RUN.connections} connections, medians${RUN.quick ? ', --quick' : ''})`)
  for (const r of rows) console.log(line(r))
  if (results.micro.length) {
    console.log('\nMicro')
    const w = Math.max(...results.micro.map((m) => m.name.length))
    for (const m of results.micro) console.log(`${m.name.padEnd(w)}  ${String(m.value).padStart(10)} ${m.unit}`)
  }
  console.log('\nTargets')
  for (const t of evaluateTargets(results)) console.log(`${t.status.padEnd(12)} ${t.target}: ${t.detail}`)
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now()
  reaper = track(fork(path.join(BENCH, 'reaper.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), 'reaper')
  const results = {
    machine: machine(),
    versions: {
      node: process.version,
      legate: `${readJson(path.join(ROOT, 'package.json'))?.version} (${gitRevision() ?? 'no git'})`,
      workerd: pkgVersion('workerd'),
      miniflare: pkgVersion('miniflare'),
      wrangler: pkgVersion('wrangler'),
      hono: pkgVersion('hono'),
      autocannon: pkgVersion('autocannon'),
      esbuild: pkgVersion('esbuild'),
      tsx: pkgVersion('tsx'),
    },
    scenarios: [],
    micro: [],
  }
  const scenarios = SCENARIOS.map((s) => ({ ...s }))
  if (ONLY) for (const s of scenarios) if (!ONLY.has(s.name) && !s.skipped) s.skipped = 'not selected (--only)'

  if (!opt['skip-micro']) results.micro = await runMicro()
  let active = []
  if (!opt['skip-load']) active = await runLoad(scenarios)
  else for (const s of scenarios) s.skipped ??= 'load runs not selected (--skip-load)'

  const all = [...scenarios]
  const calibration = active.find((s) => s.name === 'bare-workerd-raw')
  if (calibration) all.splice(1, 0, calibration)
  results.scenarios = all.map(toResultScenario)
  const fg = scenarios.find((s) => s.name === 'fast-gateway')
  if (fg?.version) results.versions.fast_gateway = fg.version
  const ngx = scenarios.find((s) => s.name === 'nginx')
  if (ngx?.version) results.versions.nginx = ngx.version
  results.machine.load_avg_end = os.loadavg().map((x) => Number(x.toFixed(2)))
  results.machine.run.finished_at = new Date().toISOString()

  fs.writeFileSync(opt.out, `${JSON.stringify(results, null, 2)}\n`)
  printTable(results, active)
  console.log(`\nWrote ${path.relative(process.cwd(), opt.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  const { writeChart } = await import('./chart.mjs')
  const svg = writeChart(opt.out, SVG_OUT)
  console.log(`Wrote ${path.relative(process.cwd(), svg)}`)
}

let exitCode = 0
try {
  await main()
} catch (e) {
  console.error('[bench] failed:', e?.stack ?? e)
  exitCode = 1
} finally {
  await cleanup()
  const left = [...children].filter((c) => c.exitCode === null && c.signalCode === null && c !== reaper)
  if (left.length) log(`still running after cleanup: ${left.map((c) => `${c.label} (${c.pid})`).join(', ')}`)
}
process.exit(exitCode)
