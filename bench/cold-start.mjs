#!/usr/bin/env node
/**
 * @module Cold start (issue 18): how long the first request of a new isolate waits for config, in workerd.
 *
 * Method. One Miniflare (one workerd) runs the bench Legate Worker (bench/workers/legate.ts) once per variant — 1
 * route, and 1,000 and 10,000 routes (`benchConfig(n)`) each asked for the catch-all (the last route) and for the
 * first route (`r0`) — and a KV probe per size, a plain Worker that reads the pointer and the stored version as bytes.
 * Each has its own KV namespace, seeded by bench/systems.mjs `seedLegate` (src/config/publish.ts `toRecords`, as
 * `legate push` writes). A sample = `mf.setOptions` (workerd restarts: every Worker a fresh isolate, KV stays), a
 * primer request (warms Miniflare's KV service), then one request per Worker in a rotating order, 200 ms apart,
 * timed from Node (workerd's clock stands still while JavaScript runs). In each sample:
 *
 *   config wait(N) = (gateway_N − gateway_1) − (probe_N − probe_1)
 *
 * Module load, first-use JIT, the KV round trips and the upstream fetch (bench/upstream.mjs on 127.0.0.1) cancel
 * out; what is left is parsing, validating and compiling the bigger table. KV transfer is excluded (it is
 * Miniflare's emulation, and issue 18 excludes it) and reported on its own (`kv-read-extra-N`). The same formula is
 * applied to the CPU time of workerd's JavaScript thread during each request (/proc schedstat, ns; its busiest
 * thread): `-js-cpu` figures, what the request waits for on an idle core, steady on a busy machine where wall time
 * also counts the wait for a core; and to all of workerd's threads (`-cpu`, V8's compiler and GC threads too).
 * Medians over samples, with min–max.
 *
 *   node bench/cold-start.mjs [--samples N] [--quick] [--write] [--json]    (--help: the options)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { childPids, cleanup, external, forkServer, log, onCleanup, pidAlive, startReaper, tempDir } from './procs.mjs'
import { bundleWorkers, newMiniflare, seedLegate } from './systems.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RESULTS = path.join(ROOT, 'bench', 'results.json')
export const USAGE = `usage: node bench/cold-start.mjs [options]
  --samples N   fresh-isolate samples per figure (default 9; 5 with --quick)
  --quick       fewer samples
  --write       replace the cold_start entry of bench/results.json (nothing else in it changes)
  --json        print the cold_start entry as one JSON line on stdout (bench/run.mjs reads it)`

/** Parses the command line; throws with the usage on a bad value. */
export function parseColdArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { samples: { type: 'string' }, quick: { type: 'boolean', default: false }, write: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  })
  const samples = Number(values.samples ?? (values.quick ? 5 : 9))
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`--samples must be a whole number ≥ 1 (got ${values.samples})\n${USAGE}`)
  return { ...values, samples }
}

export const SIZES = [1, 1_000, 10_000]
/** Only the catch-all (last route of benchConfig) matches LATE; r0 (`/api/v1/svc0/`, the first route) matches EARLY. */
export const PATHS = { late: '/cold/catch-all', early: '/api/v1/svc0/cold' }
const VARIANTS = [
  { worker: 'legate-1', n: 1, path: PATHS.late },
  ...SIZES.slice(1).flatMap((n) => ['late', 'early'].map((at) => ({ worker: `legate-${n}-${at}`, n, path: PATHS[at] }))),
  ...SIZES.map((n) => ({ worker: `probe-${n}`, n, path: '/', probe: true })),
]
/** `served` counts requests per isolate: 1 on every measured request proves each sample got a fresh isolate. */
const PROBE = `let served = 0
export default { async fetch(request, env) {
  served++
  const pointer = await env.CONFIG.get('config/current', 'json')
  const body = await env.CONFIG.get(env.VERSION_KEY, 'arrayBuffer')
  return Response.json({ served, version: pointer.version, bytes: body.byteLength })
} }`

/**
 * CPU time (ms, ns resolution) used so far by each thread of the workerd processes, from /proc; undefined without
 * /proc. `all` sums them; `js(before)` is the busiest thread's share since `before`: the thread that runs the
 * isolates' JavaScript, whose time the request waits for (V8's compiler and GC threads run beside it).
 */
function threadCpu(pids) {
  try {
    const per = new Map(pids.flatMap((pid) => fs.readdirSync(`/proc/${pid}/task`).map((t) => `/proc/${pid}/task/${t}/schedstat`)).map((f) => [f, Number(fs.readFileSync(f, 'utf8').split(' ')[0]) / 1e6]))
    return { all: [...per.values()].reduce((a, x) => a + x, 0), js: (before) => Math.max(...[...per].map(([f, ms]) => ms - (before.per.get(f) ?? 0))), per }
  } catch {
    return undefined
  }
}

/** The middle value (odd counts, as the default 9 and 5) or the mean of the two middle ones. */
export const median = (xs, s = [...xs].sort((a, b) => a - b), m = s.length >> 1) => (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2)
const round = (x) => Number(x.toFixed(1))
const figure = (name, xs, unit = 'ms') => ({ name, value: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), unit })

/** Runs the samples; returns the `cold_start` entry of bench/results.json. */
export async function measureColdStart({ samples }) {
  const { tsImport } = await import('tsx/esm/api')
  const { benchConfig } = await tsImport('./bench-config.ts', import.meta.url)
  const { versionKey } = await tsImport('../src/config/store-keys.ts', import.meta.url)
  const { port } = await forkServer('upstream.mjs', [], 'upstream')
  const table = (n) => ({ ...benchConfig(n), clusters: [{ name: 'upstream', endpoints: [{ url: `http://127.0.0.1:${port}` }] }] })
  log('cold start: bundling the bench Legate Worker (esbuild)')
  const { legate } = await bundleWorkers()
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const { assets: _dashboard, ...legateBase } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.toml')).workerOptions
  const common = { modules: true, stripCfConnectingIp: false, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }
  const probe = (name) => ({ ...common, name, script: PROBE, compatibilityDate: legateBase.compatibilityDate, kvNamespaces: { CONFIG: `cold-${name}` }, bindings: { VERSION_KEY: versionKey(1) } })
  const gateway = (name) => ({ ...legateBase, ...common, name, scriptPath: legate, kvNamespaces: { CONFIG: `cold-${name}` } })
  const options = {
    workers: [probe('primer'), ...VARIANTS.map((v) => (v.probe ? probe : gateway)(v.worker))],
    // Drained unread: the gateway's logs are not part of the figure, and a full pipe would stall workerd.
    handleRuntimeStdio: (stdout, stderr) => [stdout, stderr].forEach((s) => s.resume()),
  }
  const { Miniflare } = await import('miniflare')
  const mf = newMiniflare(Miniflare, options, tempDir('legate-bench-cold-'))
  let pids = []
  const watch = () => {
    for (const pid of pids) external.remove(pid)
    pids = childPids('workerd')
    for (const pid of pids) external.add(pid)
  }
  onCleanup(async () => {
    await Promise.race([Promise.resolve(mf.dispose()).catch(() => {}), new Promise((r) => setTimeout(r, 10_000).unref())])
    for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL')
    watch()
  })
  await mf.ready
  watch()
  log('cold start: seeding each Worker’s KV namespace (seedLegate: toRecords, as legate push writes)')
  await seedLegate(mf, 'primer', table(1))
  for (const v of VARIANTS) await seedLegate(mf, v.worker, table(v.n))

  const loadStart = os.loadavg()
  const [times, cpu, jsCpu] = [0, 1, 2].map(() => Object.fromEntries(VARIANTS.map((v) => [v.worker, []])))
  const bytes = {}
  for (let s = 0; s < samples; s++) {
    await mf.setOptions(options) // a new workerd: every Worker starts in a fresh isolate
    watch()
    await (await fetch(await mf.unsafeGetDirectURL('primer'))).arrayBuffer()
    const order = VARIANTS.map((_, i) => VARIANTS[(i + s) % VARIANTS.length])
    for (const v of order) {
      await new Promise((r) => setTimeout(r, 200)) // the previous isolate's waitUntil work settles
      const url = new URL(v.path, await mf.unsafeGetDirectURL(v.worker))
      const [t0, c0] = [performance.now(), threadCpu(pids)]
      const res = await fetch(url)
      const body = await res.text()
      const c1 = threadCpu(pids)
      const ms = performance.now() - t0
      if (res.status !== 200 || (!v.probe && !body.includes('bench-upstream')))
        throw new Error(`${v.worker} ${v.path}: ${res.status} ${body.slice(0, 300)} (expected 200 from the upstream)`)
      const reply = v.probe ? JSON.parse(body) : { served: 1 }
      if (reply.served !== 1) throw new Error(`${v.worker}: request ${reply.served} of its isolate; setOptions did not start a fresh one`)
      if (v.probe) bytes[v.n] = reply.bytes
      times[v.worker].push(ms)
      cpu[v.worker].push(c0 && c1 ? c1.all - c0.all : NaN)
      jsCpu[v.worker].push(c0 && c1 ? c1.js(c0) : NaN)
    }
    log(`cold start: sample ${s + 1}/${samples} ${VARIANTS.map((v) => `${v.worker} ${times[v.worker][s].toFixed(1)}`).join(', ')} ms`)
  }
  /** The paired differences of one metric (wall ms or workerd CPU ms), per sample; `suffix` names the figures. */
  const derive = (m, suffix) => {
    const kvExtra = (n) => m['legate-1'].map((_, s) => m[`probe-${n}`][s] - m['probe-1'][s])
    const wait = (n, at) => m['legate-1'].map((_, s) => m[`legate-${n}-${at}`][s] - m['legate-1'][s] - kvExtra(n)[s])
    return SIZES.slice(1).flatMap((n) => [
      figure(`legate-cold-${n}${suffix}`, wait(n, 'late')),
      figure(`legate-cold-${n}-early-route${suffix}`, wait(n, 'early')),
      figure(`kv-read-extra-${n}${suffix}`, kvExtra(n)),
    ])
  }
  const withCpu = Object.values(cpu).flat().every(Number.isFinite)
  const figures = [...derive(times, ''), ...(withCpu ? [...derive(jsCpu, '-js-cpu'), ...derive(cpu, '-cpu')] : [])]
  const firstRequest = VARIANTS.map((v) => figure(v.probe ? `kv-probe-first-request-${v.n}` : `first-request-${v.worker}`, times[v.worker]))
  return {
    method:
      'per sample (mf.setOptions: workerd restarts, every Worker a fresh isolate): config wait(N) = (first request of the bench Legate Worker with N routes − with 1 route) − (first request of a KV probe reading the same stored value, N − 1); median over samples, min–max. legate-cold-N asks for the catch-all (last route), legate-cold-N-early-route for r0; wall time from Node; (-js-cpu) the CPU time of the JavaScript thread of workerd meanwhile (its busiest thread), what the request waits for on an idle core; (-cpu) all threads of workerd (/proc schedstat).',
    samples,
    paths: PATHS,
    stored_bytes: Object.fromEntries(SIZES.map((n) => [n, bytes[n]])),
    figures,
    first_request: firstRequest,
    raw: Object.fromEntries(Object.entries({ wall_ms: times, ...(withCpu ? { workerd_js_cpu_ms: jsCpu, workerd_cpu_ms: cpu } : {}) }).map(([k, m]) => [k, Object.fromEntries(Object.entries(m).map(([w, xs]) => [w, xs.map(round)]))])),
    load_avg: { start: loadStart.map(round), end: os.loadavg().map(round) }, // 1, 5, 15 min: how busy the machine was
    measured_at: new Date().toISOString(),
  }
}

/** Updates only the cold_start entry of bench/results.json. */
export function writeColdStart(entry, file = RESULTS) {
  const results = JSON.parse(fs.readFileSync(file, 'utf8'))
  results.cold_start = entry
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  return file
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let exitCode = 0
  try {
    const opt = parseColdArgs(process.argv.slice(2))
    if (opt.help) console.log(USAGE)
    else {
      startReaper()
      const entry = await measureColdStart(opt)
      if (!opt.json) for (const f of [...entry.figures, ...entry.first_request]) console.error(`${f.name.padEnd(34)} ${String(f.value).padStart(8)} ms  (${f.min}–${f.max})`)
      if (opt.write) log(`wrote the cold_start entry of ${path.relative(process.cwd(), writeColdStart(entry))}`)
      if (opt.json) console.log(JSON.stringify(entry))
    }
  } catch (e) {
    exitCode = e?.message?.includes('usage:') ? 2 : 1
    console.error('[cold-start] failed:', exitCode === 2 ? e.message : (e?.stack ?? e))
  } finally {
    await cleanup()
  }
  process.exit(exitCode)
}
