#!/usr/bin/env node
/**
 * Legate benchmark suite (issue 7): `npm run bench` (full) or `npm run bench -- --quick` (< 3 minutes).
 *
 *  1. Micro benchmarks: route match (bench/micro-router.ts), full config compile (bench/micro.ts), histogram
 *     record and stats flush (bench/micro-stats.ts), JWT verification (bench/micro-jwt.ts), each in its own Node
 *     process through tsx.
 *  2. Load: a fast Node upstream on 127.0.0.1 (bench/upstream.mjs), then every system of bench/scenarios.mjs
 *     (started by bench/systems.mjs: Workers on workerd through Miniflare's API, never `wrangler dev`), each
 *     checked (bench/scenarios.mjs `checkSystem`), warmed up, then driven by the same load generator (autocannon,
 *     programmatic API, in its own process: bench/load.mjs) with the same request, in alternating rounds (bare, legate-plain, …,
 *     bare, legate-plain, …) so machine drift cancels.
 *  3. Cold start (issue 18): the config wait of a fresh isolate's first request, in workerd (bench/cold-start.mjs,
 *     in its own process); `--skip-cold` leaves it out.
 *  4. Bundle: the Worker as `wrangler deploy --dry-run` builds it, raw and gzip bytes (bench/bundle-size.mjs).
 *  5. Output: a table on stdout, bench/results.json, and the chart docs/performance.svg (bench/chart.mjs).
 *
 * Every process it starts is stopped at the end, on failure, on Ctrl-C and on SIGTERM (bench/procs.mjs);
 * bench/reaper.mjs stops workerd and nginx even if this process is killed outright. `--help` lists the options.
 */
import { execFileSync, fork, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { measureBundle } from './bundle-size.mjs'
import { cleanup, current, forkServer, log, startReaper, stillRunning, track } from './procs.mjs'
import { printReport, toResultScenario } from './report.mjs'
import { checkSystem, createIdentity, loadHeaders, LOAD_PATH, SCENARIOS } from './scenarios.mjs'
import { readJson, startSystems } from './systems.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = path.join(ROOT, 'bench')
const BUILD = path.join(BENCH, '.build')
const DEFAULT_OUT = path.join(BENCH, 'results.json')

const USAGE = `usage: npm run bench [-- options]
  --quick            2 rounds × 5 s, 1 s warm-up, fewer micro runs (< 3 minutes)
  --rounds N         alternating rounds (default 5)
  --duration S       seconds per measured run (default 10)
  --warmup S         seconds of warm-up per system before the rounds (default 3)
  --connections N    autocannon connections (default 32)
  --only a,b         only these scenarios (bare is always kept; the floor-* Workers run only when named here)
  --skip-micro       load runs only
  --skip-load        micro benchmarks only
  --skip-cold        no cold-start samples (bench/cold-start.mjs; 9 fresh isolates per figure, 5 with --quick)
  --calibrate        also run the bare Worker on a generated workerd config, no Miniflare (bare-workerd-raw)
  --profile NAME     after the rounds, one extra run of Worker scenario NAME under a V8 CPU profile
                     (bench/.build/NAME.cpuprofile and a summary on stderr; the reported figures are unaffected)
  --profile-heap     with --profile: then one more run under V8's sampling heap profiler, garbage included
                     (bench/.build/NAME.heapprofile; bytes allocated per request by function)
  --out FILE         results file (default bench/results.json; the chart goes to docs/performance.svg for the
                     default, next to FILE otherwise)
environment: BENCH_FAST_GATEWAY=<dir of an installed fast-gateway> when it is not a dependency of the repo`

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
    'skip-cold': { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'profile-heap': { type: 'boolean', default: false },
    out: { type: 'string', default: DEFAULT_OUT },
    help: { type: 'boolean', default: false },
  },
})
if (opt.help) {
  console.log(USAGE)
  process.exit(0)
}
const PROFILE = opt.quick ? { rounds: 2, duration: 5, warmup: 1, connections: 32 } : { rounds: 5, duration: 10, warmup: 3, connections: 32 }
const RUN = {
  quick: opt.quick,
  rounds: Number(opt.rounds ?? PROFILE.rounds),
  duration_s: Number(opt.duration ?? PROFILE.duration),
  warmup_s: Number(opt.warmup ?? PROFILE.warmup),
  connections: Number(opt.connections ?? PROFILE.connections),
}
for (const [k, v] of Object.entries(RUN))
  if (typeof v === 'number' && (!Number.isInteger(v) || v < (k === 'warmup_s' ? 0 : 1))) {
    console.error(`bench: --${k.replace('_s', '')} must be a whole number${k === 'warmup_s' ? '' : ' ≥ 1'} (got ${v})\n${USAGE}`)
    process.exit(2)
  }
const OUT = path.resolve(opt.out)
const SVG_OUT = OUT === DEFAULT_OUT ? path.join(ROOT, 'docs', 'performance.svg') : `${OUT.replace(/\.json$/, '')}.svg`
const ONLY = opt.only ? new Set(['bare', ...opt.only.split(',').map((s) => s.trim())]) : undefined

// ---------------------------------------------------------------------------------------------------------------
// Machine and versions

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
      load_generator: `autocannon ${pkgVersion('autocannon')} (programmatic, in its own Node process), ${RUN.connections} connections, no pipelining`,
      request: `GET ${LOAD_PATH} with ${Object.keys(loadHeaders({ token: '' })).join(', ')} (an RS256 bearer token made for the run)`,
      ratio_to_bare: 'median over rounds of (scenario req/s / bare req/s in the same round)',
      started_at: new Date().toISOString(),
      finished_at: null,
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Micro benchmarks: each file prints one JSON line per figure ({ name, value, unit }).

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
  log('micro: histogram record and stats flush (bench/micro-stats.ts)')
  micro.push(...(await runTs('micro-stats.ts', RUN.quick ? ['--quick'] : [])))
  log('micro: JWT verification, cold and warm (bench/micro-jwt.ts)')
  micro.push(...(await runTs('micro-jwt.ts')))
  return micro
}

/** bench/cold-start.mjs in its own process (its own Miniflare and workerd): the `cold_start` entry, or its error. */
async function runColdStart() {
  log('cold start: fresh isolates in workerd (bench/cold-start.mjs)')
  try {
    return (await runTs('cold-start.mjs', ['--json', ...(RUN.quick ? ['--quick'] : [])]))[0]
  } catch (e) {
    log(`cold start: not measured: ${e.message}`)
    return { error: e.message }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Load

/** One load run against `base` for `duration` seconds, in a child process (bench/load.mjs says why). */
async function load(base, duration, headers, request = {}) {
  const child = track(fork(path.join(BENCH, 'load.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), 'load generator')
  current.load = { stop: () => child.kill('SIGTERM') }
  try {
    const reply = await new Promise((resolve, reject) => {
      child.once('message', resolve)
      child.once('exit', (code, signal) => reject(new Error(`the load generator exited (${code ?? signal}) without a result`)))
      child.send({ url: new URL(LOAD_PATH, base).href, connections: RUN.connections, duration, ...request, headers: { ...headers, ...request.headers } })
    })
    if (reply.error) throw new Error(`the load generator failed: ${reply.error}`)
    return reply.result
  } finally {
    current.load = undefined
  }
}

/** bench/workers/legate.ts counts Durable Object calls; POST resets the counter. */
const doCalls = async (base, method = 'GET') => (await (await fetch(new URL('/__bench/do-calls', base), { method })).json()).calls

/**
 * CPU time (ms) the workerd process has used so far, all threads (isolate and network I/O), from /proc; null where
 * /proc is missing. Differences around a run, divided by the requests served, give the CPU cost per request: a
 * steadier figure than req/s on a shared machine, since the load generator's own CPU does not enter it.
 */
function cpuMs(pids) {
  let ticks = 0
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      ticks += Number(fields[11]) + Number(fields[12]) // utime, stime (clock ticks)
    } catch {
      return null
    }
  }
  return pids.length ? (ticks * 1000) / 100 : null // USER_HZ is 100 on Linux
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

async function runLoad(scenarios) {
  log('starting the upstream')
  const { port: upPort } = await forkServer('upstream.mjs', [], 'upstream')
  const upstream = `http://127.0.0.1:${upPort}`
  const { port: mirrorPort } = await forkServer('upstream.mjs', [], 'mirror upstream') // legate-mirror's second upstream

  const identity = await createIdentity()
  const headers = loadHeaders(identity)
  const { bases, runtimeLog, inspectorPort, workerdPids = [] } = await startSystems(scenarios, upstream, identity, {
    calibrate: opt.calibrate,
    inspect: Boolean(opt.profile),
    mirrorUpstream: `http://127.0.0.1:${mirrorPort}`,
  })
  const active = scenarios.filter((s) => bases[s.name] && !s.skipped)
  if (bases['bare-workerd-raw'])
    active.splice(1, 0, { name: 'bare-workerd-raw', kind: 'calibration', system: 'bare Worker on a generated workerd config (no Miniflare)' })

  for (const s of active) {
    const failures = await checkSystem(s.name, bases[s.name], identity)
    if (failures.length) {
      s.error = `failed its pre-run checks: ${failures.join('; ')}`
      log(`${s.name}: ${s.error}`)
      if (s.kind === 'worker') log(`workerd output (last lines):\n${runtimeLog.slice(-20).join('\n')}`)
    }
  }
  const bare = active.find((s) => s.name === 'bare')
  if (!bare || bare.error) throw new Error(`the bare Worker is not usable, so no ratio can be computed: ${bare?.error ?? 'not started'}`)
  const measured = active.filter((s) => !s.error)

  log(`warm-up: ${RUN.warmup_s} s per system`)
  if (RUN.warmup_s > 0) for (const s of measured) await load(bases[s.name], RUN.warmup_s, headers, s.request)
  for (const s of measured.filter((x) => x.legate)) {
    const { namespaces } = await (await fetch(new URL('/__bench/do-calls', bases[s.name]))).json()
    log(`${s.name}: counting calls on Durable Object bindings ${namespaces.length ? namespaces.join(', ') : '(none)'}`)
  }

  for (const s of measured) s.rounds = []
  for (let r = 0; r < RUN.rounds; r++) {
    for (const s of measured) {
      if (s.legate) await doCalls(bases[s.name], 'POST')
      const cpu0 = s.kind === 'worker' ? cpuMs(workerdPids) : null
      const res = await load(bases[s.name], RUN.duration_s, headers, s.request)
      const cpu1 = cpu0 === null ? null : cpuMs(workerdPids)
      const cpuUs = cpu1 === null || res.requests.total === 0 ? null : ((cpu1 - cpu0) * 1000) / res.requests.total
      const calls = s.legate ? await doCalls(bases[s.name]) : null
      const rps = res['2xx'] / res.duration
      const bad = res.non2xx + res.errors + res.timeouts
      s.rounds.push({ rps, p50: res.latency.p50, p99: res.latency.p99, requests: res.requests.total, bad, calls, cpuUs })
      log(
        `round ${r + 1}/${RUN.rounds} ${s.name.padEnd(18)} ${rps.toFixed(0).padStart(6)} req/s  p50 ${res.latency.p50} ms  p99 ${res.latency.p99} ms` +
          (cpuUs === null ? '' : `  workerd CPU ${cpuUs.toFixed(0)} µs/req`) +
          (bad ? `  (${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts)` : '')
      )
    }
  }

  for (const s of measured) {
    const bad = s.rounds.reduce((a, x) => a + x.bad, 0)
    const total = s.rounds.reduce((a, x) => a + x.requests, 0)
    if (total === 0 || s.rounds.some((x) => x.rps === 0)) s.error = 'no successful response in at least one round'
    else if (bad > total * 0.001) s.error = `${bad} of ${total} responses were not 2xx or failed`
    s.rps = median(s.rounds.map((x) => x.rps))
    s.p50 = median(s.rounds.map((x) => x.p50))
    s.p99 = median(s.rounds.map((x) => x.p99))
    s.ratio = median(s.rounds.map((x, i) => x.rps / bare.rounds[i].rps))
    s.cpuUs = s.rounds.every((x) => x.cpuUs !== null) ? median(s.rounds.map((x) => x.cpuUs)) : null
    // What the scenario adds to the platform per request (issue 18): median over rounds of (its CPU − bare's, same round).
    s.cpuOverBare = s.cpuUs !== null && bare.rounds.every((x) => x.cpuUs !== null) ? median(s.rounds.map((x, i) => x.cpuUs - bare.rounds[i].cpuUs)) : null
    s.doPerRequest = s.legate ? s.rounds.reduce((a, x) => a + x.calls, 0) / total : null
  }
  if (bare.error) throw new Error(`the bare Worker failed under load, so no ratio can be computed: ${bare.error}`)

  if (opt.profile) {
    const target = measured.find((s) => s.name === opt.profile && s.kind === 'worker')
    if (!target) log(`--profile ${opt.profile}: not a measured Worker scenario (${measured.filter((s) => s.kind === 'worker').map((s) => s.name).join(', ')})`)
    else {
      const { profileLoad, summarize, writeProfile } = await import('./profile.mjs')
      log(`profiling ${target.name} for ${RUN.duration_s} s (not part of the results)`)
      const { profile, result } = await profileLoad(inspectorPort, target.worker, () => load(bases[target.name], RUN.duration_s, headers, target.request))
      const file = path.join(BUILD, `${target.name}.cpuprofile`)
      writeProfile(file, profile)
      log(`${target.name} under the profiler: ${(result['2xx'] / result.duration).toFixed(0)} req/s; wrote ${path.relative(process.cwd(), file)}`)
      log(summarize(profile, result.requests.total))
      if (opt['profile-heap']) {
        const { heapProfileLoad, summarizeHeap } = await import('./profile.mjs')
        const heap = await heapProfileLoad(inspectorPort, target.worker, () => load(bases[target.name], RUN.duration_s, headers, target.request))
        const heapFile = path.join(BUILD, `${target.name}.heapprofile`)
        writeProfile(heapFile, heap.profile)
        log(`wrote ${path.relative(process.cwd(), heapFile)}`)
        log(summarizeHeap(heap.profile, heap.result.requests.total))
      }
    }
  }
  return active
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now()
  startReaper()
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
  const scenarios = SCENARIOS.filter((s) => !s.optIn || ONLY?.has(s.name)).map((s) => ({ ...s }))
  if (ONLY) for (const s of scenarios) if (!ONLY.has(s.name) && !s.skipped) s.skipped = 'not selected (--only)'

  if (!opt['skip-micro']) results.micro = await runMicro()
  if (!opt['skip-cold']) results.cold_start = await runColdStart()
  let active = []
  if (!opt['skip-load']) active = await runLoad(scenarios)
  else for (const s of scenarios) s.skipped ??= 'load runs not selected (--skip-load)'

  const all = [...scenarios]
  const calibration = active.find((s) => s.name === 'bare-workerd-raw')
  if (calibration) all.splice(1, 0, calibration)
  results.scenarios = all.map(toResultScenario)
  for (const [name, key] of [['fast-gateway', 'fast_gateway'], ['nginx', 'nginx']]) {
    const version = scenarios.find((s) => s.name === name)?.version
    if (version) results.versions[key] = version
  }
  log('bundle: wrangler deploy --dry-run (bench/bundle-size.mjs)')
  try {
    results.bundle = { ...(await measureBundle()), measured_at: new Date().toISOString() }
  } catch (e) {
    log(`bundle: not measured: ${e.message}`)
  }
  results.machine.load_avg_end = os.loadavg().map((x) => Number(x.toFixed(2)))
  results.machine.run.finished_at = new Date().toISOString()

  // `npm run bench:instructions -- --record` writes its own entry; a load run keeps it.
  const instructions = readJson(OUT)?.instructions
  if (instructions) results.instructions = instructions
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`)
  printReport(results, active, RUN)
  console.log(`\nWrote ${path.relative(process.cwd(), OUT)} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  const { writeChart } = await import('./chart.mjs')
  console.log(`Wrote ${path.relative(process.cwd(), writeChart(OUT, SVG_OUT))}`)
}

let exitCode = 0
try {
  await main()
} catch (e) {
  console.error('[bench] failed:', e?.stack ?? e)
  exitCode = 1
} finally {
  await cleanup()
  const left = stillRunning()
  if (left.length) log(`still running after cleanup: ${left.map((c) => `${c.label} (${c.pid})`).join(', ')}`)
}
process.exit(exitCode)
