#!/usr/bin/env node
/**
 * Instructions per request, counted by valgrind's callgrind in workerd: a measure of what a feature costs that
 * this shared 2-core machine's timing noise (±30 % between 10-second runs) cannot hide. Used for issue 6's
 * observability cost (stats + access log + tracing against all three off).
 *
 *   npm run bench:instructions                       # the observability variants, 5 rounds × 1,000 requests
 *   npm run bench:instructions -- --rounds 7 --requests 2000 --warmup 3000 --out FILE
 *
 * How: Miniflare starts workerd under `valgrind --tool=callgrind --instr-atstart=no`. One Worker
 * (bench/workers/legate-loop.ts) holds a gateway instance per variant, each with its own KV namespace seeded with
 * the variant's route table, and picks the instance by the request's host (`<variant>.variant.bench`): one
 * isolate, one JIT state for all variants (separate Workers differ by several percent from their JIT decisions
 * alone, more than the costs being measured), and the full path of a request (downstream HTTP, the gateway, the
 * upstream subrequest to bench/upstream.mjs). After a warm-up, each round and variant: zero the counters, switch
 * instrumentation on, send N benchmark requests over 8 keep-alive connections, dump, switch it off. The figure is
 * workerd's instruction count (every thread) ÷ N; the median over rounds drops the rounds where a major GC or a
 * config refresh lands. Stats flushes are pushed out of the window (flush_interval 1 h): under valgrind requests
 * run ~50 × slower, so a 5 s flush would land once per few hundred requests instead of once per 10,000; the
 * flush's own cost is the stats-flush-take/apply micro benchmark of `npm run bench`.
 *
 * Needs valgrind (`apt-get install valgrind`); takes about 4 minutes.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { cleanup, forkServer, log, onCleanup, startReaper, tempDir } from './procs.mjs'
import { BASE_HEADERS, LOAD_PATH, legateOpenapiConfig, legatePlainConfig, legatePlainLogSampledConfig, legatePlainUnobservedConfig, OPENAPI_REQUEST } from './scenarios.mjs'
import { newMiniflare, seedLegate } from './systems.mjs'
import { WORKER_BUNDLE } from './worker-bundle.mjs'

const ROOT = path.resolve(import.meta.dirname, '..')
const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '3000' },
    out: { type: 'string' },
    'keep-dumps': { type: 'string' },
    set: { type: 'string', default: 'observability' },
    help: { type: 'boolean', default: false },
  },
})
if (opts.help) {
  console.log('usage: npm run bench:instructions -- [--set observability|openapi] [--rounds 5] [--requests 1000] [--warmup 3000] [--out FILE] [--keep-dumps DIR]')
  console.log('  --set openapi     legate-plain (GET), legate-plain-post (POST of the openapi body) and legate-openapi (issue 16)')
  console.log('  --keep-dumps DIR  copy each callgrind dump to DIR as <variant>.<round>.<thread> (read with callgrind_annotate)')
  process.exit(0)
}
for (const tool of ['valgrind', 'callgrind_control'])
  if (spawnSync(tool, ['--version']).error) {
    console.error(`bench:instructions needs ${tool} on the PATH (Debian/Ubuntu: apt-get install valgrind).`)
    process.exit(2)
  }

const slowFlush = (config) => ({ ...config, observability: { ...config.observability, stats: { ...config.observability?.stats, flush_interval: '1h' } } })
/** Variant sets: name → route table (the first is the baseline the others are compared with), notes, requests. */
const SETS = {
  observability: {
    variants: {
      unobserved: legatePlainUnobservedConfig,
      observed: (u) => slowFlush(legatePlainConfig(u)),
      'log-sampled': (u) => slowFlush(legatePlainLogSampledConfig(u)),
      canary: (u) => slowFlush(legatePlainConfig(u)),
    },
    notes: {
      unobserved: 'legate-plain with stats, access log and tracing off',
      observed: 'legate-plain as by default: stats, an access-log line per request, tracing',
      'log-sampled': 'legate-plain with the access log at every error + 1 % of successes (stats and tracing on)',
      canary: 'observed, during a 50 % canary rollout: both versions held, sticky assignment, rollout.v<N>.* stats',
    },
    requests: {},
  },
  // Issue 16: what validating the body costs, apart from what a POST with a body costs anyway.
  openapi: {
    variants: {
      'plain-post': (u) => slowFlush(legatePlainConfig(u)),
      plain: (u) => slowFlush(legatePlainConfig(u)),
      openapi: (u) => slowFlush(legateOpenapiConfig(u)),
    },
    notes: {
      'plain-post': 'legate-plain, POST of the legate-openapi body (192 bytes), not validated',
      plain: 'legate-plain (GET)',
      openapi: 'legate-openapi: the same POST, its path, query and body validated (enforce)',
    },
    requests: { 'plain-post': OPENAPI_REQUEST, openapi: OPENAPI_REQUEST },
  },
}
const SET = SETS[opts.set]
if (!SET) {
  console.error(`unknown --set ${opts.set} (${Object.keys(SETS).join(', ')})`)
  process.exit(2)
}
const VARIANTS = SET.variants
/** Variants seeded as a running canary rollout at this percent (issue 13: what a rollout costs per request). */
const CANARY_PERCENT = { canary: 50 }
const NOTES = SET.notes
const names = Object.keys(VARIANTS)
/** Concurrent keep-alive connections of the request loop. */
const CONNECTIONS = 8
const rounds = Number(opts.rounds)
const requests = Number(opts.requests)

async function main() {
  startReaper()
  if (opts['keep-dumps']) fs.mkdirSync(opts['keep-dumps'], { recursive: true })
  const dir = tempDir('legate-instructions-')
  const wrapper = path.join(dir, 'workerd')
  const workerdBin = createRequire(import.meta.url)('workerd').default // the binary's path, as Miniflare resolves it
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nTMPDIR=${dir} exec valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --smc-check=all-non-file --callgrind-out-file=${dir}/cg.%p --log-file=${dir}/valgrind.%p.log ${workerdBin} "$@"\n`,
    { mode: 0o755 },
  )
  const { port } = await forkServer('upstream.mjs', [], 'upstream')
  const upstream = `http://127.0.0.1:${port}`

  log('bundling bench/workers/legate-loop.ts (esbuild)')
  const { build } = await import('esbuild')
  const script = path.join(dir, 'legate-loop.js')
  await build({ ...WORKER_BUNDLE, entryPoints: [path.join(ROOT, 'bench/workers/legate-loop.ts')], outfile: script })
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  // Without [assets] (the dashboard page): Miniflare would put its assets router Worker in front of the gateway.
  const { assets: _dashboard, ...base } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.toml')).workerOptions
  const { Miniflare } = await import('miniflare')
  process.env.MINIFLARE_WORKERD_PATH = wrapper
  log('starting workerd under callgrind (slow: a minute or so)')
  const mf = newMiniflare(Miniflare, {
    ...base,
    name: 'legate',
    scriptPath: script,
    modulesRoot: dir,
    modules: true,
    kvNamespaces: { CONFIG: 'unused', ...Object.fromEntries(names.map((n) => [`CONFIG_${n}`, `config-${n}`])) },
    stripCfConnectingIp: false,
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume() // the access log
      stderr.pipe(process.stderr)
    },
  }, dir)
  onCleanup(() => mf.dispose())
  try {
    await mf.ready
  } catch (e) {
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('valgrind.'))) console.error(fs.readFileSync(path.join(dir, f), 'utf8').slice(-2000))
    throw e
  }
  for (const n of names) await seedLegate(mf, 'legate', VARIANTS[n](upstream), `CONFIG_${n}`, CANARY_PERCENT[n])
  const origin = (await mf.unsafeGetDirectURL()).origin
  const pid = fs.readdirSync(dir).map((f) => /^valgrind\.(\d+)\.log$/.exec(f)?.[1]).find(Boolean)
  if (!pid) throw new Error('workerd did not start under valgrind (no valgrind log in the temporary directory)')
  // callgrind_control finds the process through vgdb's pipes, which valgrind made in its TMPDIR (the wrapper's).
  const callgrind = (...args) => execFileSync('callgrind_control', [...args, pid], { stdio: 'pipe', env: { ...process.env, TMPDIR: dir } })
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const { hostname, port: gwPort } = new URL(origin)
  // A keep-alive socket the server closed while idle fails the next request on it: retried once on a new socket,
  // as Node's documentation advises (req.reusedSocket).
  const get = (host, spec = {}, retry = true) =>
    new Promise((resolve, reject) => {
      const headers = { ...BASE_HEADERS, ...spec.headers, host }
      const req = http.request({ agent, hostname, port: gwPort, path: LOAD_PATH, method: spec.method ?? 'GET', headers }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode)).on('error', reject)
      })
      req.on('error', (e) => (retry && req.reusedSocket ? get(host, spec, false).then(resolve, reject) : reject(e)))
      req.end(spec.body)
    })
  /** `count` requests to variant n over CONNECTIONS keep-alive connections, as a load generator would send them. */
  const loop = async (n, count) => {
    let left = count
    let non2xx = 0
    const connection = async () => {
      while (left-- > 0) {
        const status = await get(`${n}.variant.bench`, SET.requests[n])
        if (status < 200 || status > 299) non2xx++
      }
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, connection))
    if (non2xx) throw new Error(`variant ${n}: ${non2xx} of ${count} responses were not 2xx`)
  }

  log(`warm-up: ${opts.warmup} requests per variant`)
  for (const n of names) await loop(n, Number(opts.warmup))
  const seen = new Set(fs.readdirSync(dir))
  /** The newest dump's count, all threads (callgrind writes one file per thread: cg.<pid>.<dump>-<thread>). */
  const dumped = (label) => {
    const fresh = fs.readdirSync(dir).filter((f) => f.startsWith('cg.') && !seen.has(f))
    let total = 0
    for (const f of fresh) {
      seen.add(f)
      if (opts['keep-dumps']) fs.copyFileSync(path.join(dir, f), path.join(opts['keep-dumps'], `${label}.${f.split('-').pop()}`))
      const m = /^(?:summary|totals):\s*(\d+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'))
      if (m) total += Number(m[1])
    }
    if (!total) throw new Error(`no callgrind dump found (files: ${fresh.join(', ') || 'none'})`)
    return total
  }
  const perRequest = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = 1; r <= rounds; r++) {
    for (const n of names) {
      callgrind('-z')
      callgrind('-i', 'on')
      await loop(n, requests)
      callgrind('-d')
      callgrind('-i', 'off')
      perRequest[n].push(Math.round(dumped(`${n}.${r}`) / requests))
    }
    log(`round ${r}/${rounds}: ${names.map((n) => `${n} ${perRequest[n].at(-1).toLocaleString('en')}`).join(', ')}`)
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1]
  const baseline = median(perRequest[names[0]])
  const variants = names.map((n) => ({
    variant: n,
    note: NOTES[n],
    instructions_per_request: median(perRequest[n]),
    cost_vs_baseline: median(perRequest[n]) / baseline - 1,
    rounds: perRequest[n],
  }))
  const result = { date: new Date().toISOString(), rounds, requests_per_round: requests, warmup: Number(opts.warmup), variants }
  console.log(`\nvariant        instructions/request   vs ${names[0].padEnd(11)}   rounds`)
  for (const v of variants)
    console.log(`${v.variant.padEnd(14)} ${v.instructions_per_request.toLocaleString('en').padStart(20)}   ${`${v.cost_vs_baseline >= 0 ? '+' : ''}${(v.cost_vs_baseline * 100).toFixed(1)} %`.padStart(13)}   ${v.rounds.map((x) => x.toLocaleString('en')).join(' ')}`)
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`)
}

try {
  await main()
} catch (e) {
  console.error(`bench:instructions failed: ${e?.stack ?? e}`)
  process.exitCode = 1
} finally {
  await cleanup()
}
