#!/usr/bin/env node
/**
 * Instructions per request, counted by valgrind's callgrind in workerd: a measure of what a feature costs that
 * this shared 2-core machine's timing noise (±30 % between 10-second runs) cannot hide. Used for issue 6's
 * observability cost (stats + access log + tracing against all three off) and issue 18's hot path (Legate's
 * instructions per request over the bare pass-through Worker's, measured in the same isolate and run). The
 * `floor-*` variants (opt-in) are hand-written Workers doing a route's work as cheaply as the platform allows
 * (bench/workers/floor.js): the platform floor of issues 17 and 18, what no implementation can go below.
 *
 *   npm run bench:instructions                       # every variant, 5 rounds × 1,000 requests
 *   npm run bench:instructions -- --only bare,observed,full --rounds 3 --requests 600 --warmup 1500
 *   npm run bench:instructions -- --rounds 7 --requests 2000 --warmup 3000 --out FILE
 *   npm run bench:instructions -- --record           # also writes the `instructions` entry of bench/results.json
 *   npm run bench:instructions -- --only observed --baseline main   # A/B: each variant also as `<v>-base`, run by
 *                                                    # the gateway of `main`'s src/ (git archive), same isolate
 *   npm run bench:instructions -- --only unobserved,mirror,cache-hit,floor-plain,floor-plain-minimal,floor-mirror,floor-cache-hit
 *                                                    # the platform floor next to Legate (docs/performance.md)
 *
 * How: Miniflare starts workerd under `valgrind --tool=callgrind --instr-atstart=no`. One Worker
 * (bench/workers/legate-loop.ts) holds a gateway instance per Legate variant (`bare` is bench/workers/bare.js's
 * pass-through, the `floor-*` variants bench/workers/floor.js's Workers, all in the same isolate), each Legate
 * variant with its own KV namespace seeded with the variant's route table, and picks the instance by the request's host (`<variant>.variant.bench`): one
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
import { printSummary, readDump, summarize } from './instructions-report.mjs'
import { cleanup, forkServer, log, onCleanup, startReaper, tempDir } from './procs.mjs'
import { createIdentity, LOAD_PATH, legateCacheHitConfig, legateFullConfig, legateMirrorConfig, legateOpenapiConfig, legatePlainConfig, legatePlainLogSampledConfig, legatePlainUnobservedConfig, loadHeaders, OPENAPI_REQUEST, UNOBSERVED } from './scenarios.mjs'
import { newMiniflare, readJson, seedLegate } from './systems.mjs'
import { WORKER_BUNDLE } from './worker-bundle.mjs'

const ROOT = path.resolve(import.meta.dirname, '..')
const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '3000' },
    out: { type: 'string' },
    only: { type: 'string' },
    baseline: { type: 'string' },
    record: { type: 'boolean', default: false },
    'keep-dumps': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
for (const tool of ['valgrind', 'callgrind_control'])
  if (spawnSync(tool, ['--version']).error) {
    console.error(`bench:instructions needs ${tool} on the PATH (Debian/Ubuntu: apt-get install valgrind).`)
    process.exit(2)
  }

/** The floor Workers (bench/workers/floor.js FLOOR): the cheapest hand-written Worker doing a route's work. */
const FLOOR_NOTES = {
  'floor-plain': 'floor: legate-plain unobserved by hand (headers copied, scanned, deleted, set; the response copied, deletes of what workerd leaves; AbortSignal.timeout)',
  'floor-plain-minimal': 'floor: hop-by-hop strip (gets and blind deletes of what workerd leaves), x-forwarded-for, x-request-id; the upstream response as is unless it has hop-by-hop headers workerd leaves',
  'floor-mirror': 'floor: floor-plain + a mirror of every request (waitUntil, host -shadow, response drained)',
  'floor-cache-hit': 'floor: route lookup, request id, token lookup, a hit from an in-isolate Map (kept Headers copied, age and x-cache set)',
  'floor-cache-hit-pairs': 'floor-cache-hit, the kept headers as [name, value] pairs with age and x-cache appended',
  'floor-cache-hit-logged': 'floor-cache-hit + one access line per hit, every field, as Legate writes by default (console.log of JSON.stringify)',
  'floor-plain-legate': 'floor-plain with Legate\'s response strip (one get, nine deletes) and AbortController + setTimeout',
  'floor-plain-pairs': 'floor-plain, one pass over the header entries each way, [name, value] arrays to fetch and Response',
  'floor-plain-headers': 'floor-plain, the upstream headers as new Headers(pairs)',
  'floor-plain-request': 'floor-plain, new Request(url, request) and its headers mutated',
  'floor-plain-res-legate': 'floor-plain, the response strip as Legate\'s (one get, nine deletes)',
  'floor-plain-res-keys': 'floor-plain, the response copied, a scan of its names, deletes of those present',
  'floor-plain-controller': 'floor-plain, AbortController + setTimeout for the route timeout',
  'floor-plain-manual-url': 'floor-plain, request.url split without the URL parser',
  'floor-plain-minimal-scan': 'floor-plain-minimal, a scan of the header names instead of gets and blind deletes, both ways',
}
/**
 * Every Legate variant's table as it runs under valgrind: stats flushes pushed out of the window (flush_interval
 * 1 h, see the module comment), and route timeouts of 5 minutes, because a request can wait in workerd longer than
 * the 15 s default there and a 504 stops the run (the timer is armed either way; only its length changes).
 */
const underValgrind = (config) => ({
  ...config,
  observability: { ...config.observability, stats: { ...config.observability?.stats, flush_interval: '1h' } },
  virtual_hosts: config.virtual_hosts.map((v) => ({ ...v, routes: v.routes.map((r) => (r.forward ? { ...r, forward: { timeout: '300s', ...r.forward } } : r)) })),
})
/** A hand-written floor Worker of bench/workers/floor.js (no gateway, no route table). */
const FLOOR = 'floor'
/**
 * Variant name → route table (`null`: the bare pass-through, no gateway; FLOOR: a floor Worker). Legate's variants
 * are compared with `bare` (what the platform costs), with `unobserved` (what observability costs) and with the
 * floor Worker doing the same route's work (what Legate's structure costs).
 */
const VARIANTS = {
  bare: null,
  unobserved: legatePlainUnobservedConfig,
  observed: legatePlainConfig,
  'log-sampled': legatePlainLogSampledConfig,
  canary: legatePlainConfig,
  full: legateFullConfig,
  mirror: legateMirrorConfig,
  'cache-hit': legateCacheHitConfig,
  'cache-hit-nolog': (upstream, identity) => ({ ...legateCacheHitConfig(upstream, identity), observability: { access_log: { enabled: false } } }),
  'cache-hit-unobserved': (upstream, identity) => ({ ...legateCacheHitConfig(upstream, identity), observability: UNOBSERVED }),
  'plain-post': legatePlainConfig,
  openapi: legateOpenapiConfig,
  ...Object.fromEntries(Object.keys(FLOOR_NOTES).map((n) => [n, FLOOR])),
}
/** What a variant's requests carry beyond the load request (issue 16: a POST of legate-openapi's body). */
const REQUESTS = { 'plain-post': OPENAPI_REQUEST, openapi: OPENAPI_REQUEST }
/**
 * Run only when named with --only (issue 17's scenarios: a second upstream, a cache; issue 16's POST and
 * validation; the floor Workers).
 */
const OPT_IN = new Set(['mirror', 'cache-hit', 'cache-hit-nolog', 'cache-hit-unobserved', 'plain-post', 'openapi', ...Object.keys(FLOOR_NOTES)])
/** Variants seeded as a running canary rollout at this percent (issue 13: what a rollout costs per request). */
const CANARY_PERCENT = { canary: 50 }
const NOTES = {
  ...FLOOR_NOTES,
  bare: 'the bare pass-through Worker (bench/workers/bare.js): fetch(upstream + path, request)',
  unobserved: 'legate-plain with stats, access log and tracing off',
  observed: 'legate-plain as by default: stats, an access-log line per request, tracing',
  'log-sampled': 'legate-plain with the access log at every error + 1 % of successes (stats and tracing on)',
  canary: 'observed, during a 50 % canary rollout: both versions held, sticky assignment, rollout.v<N>.* stats',
  full: 'legate-full: the whole chain (request_id, cors, jwt_authn, header_mutation, rate_limit leased, body_limit, fault 0 %, retries)',
  mirror: 'observed + every request mirrored to a second upstream (legate-mirror)',
  'cache-hit': 'jwt_authn + cache per identity: every measured request a hit (legate-cache-hit)',
  'cache-hit-nolog': 'cache-hit with the access log off (stats and tracing on): what the line costs a hit',
  'cache-hit-unobserved': 'cache-hit with stats, access log and tracing off',
  'plain-post': 'legate-plain, POST of the legate-openapi body (192 bytes), not validated',
  openapi: 'legate-openapi: the same POST, its path, query and body validated (enforce)',
}
if (opts.help) {
  console.log('usage: npm run bench:instructions -- [--rounds 5] [--requests 1000] [--warmup 3000] [--only a,b] [--out FILE] [--record] [--keep-dumps DIR]')
  console.log(`  --only a,b        only these variants (of ${Object.keys(VARIANTS).join(', ')}; bare is always kept;`)
  console.log(`                    ${[...OPT_IN].join(', ')} run only when named: --only observed,mirror,cache-hit or --only observed,plain-post,openapi)`)
  console.log('  --baseline REF    also run every Legate variant V as V-base on the src/ of git REF (an A/B in one isolate and run)')
  console.log('  --record          write the figures as the `instructions` entry of bench/results.json (the rest is kept)')
  console.log('  --keep-dumps DIR  copy each callgrind dump to DIR as <variant>.<round>.<thread> (read with callgrind_annotate)')
  process.exit(0)
}
const only = opts.only ? new Set(['bare', ...opts.only.split(',').map((x) => x.trim())]) : undefined
for (const n of only ?? [])
  if (!(n in VARIANTS)) {
    console.error(`bench:instructions: no variant ${n} (${Object.keys(VARIANTS).join(', ')})`)
    process.exit(2)
  }
const chosen = Object.keys(VARIANTS).filter((n) => (only ? only.has(n) : !OPT_IN.has(n)))
/** With --baseline, each Legate variant V also runs as `V-base` on the baseline's gateway, right after V. */
const names = opts.baseline ? chosen.flatMap((n) => (typeof VARIANTS[n] === 'function' ? [n, `${n}-base`] : [n])) : chosen
const variantOf = (n) => n.replace(/-base$/, '')
/** Concurrent keep-alive connections of the request loop. */
const CONNECTIONS = 8
const rounds = Number(opts.rounds)
const requests = Number(opts.requests)
const RESULTS = path.join(ROOT, 'bench/results.json')
const legateNames = names.filter((n) => typeof VARIANTS[variantOf(n)] === 'function')

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
  const { port: mirrorPort } = await forkServer('upstream.mjs', [], 'mirror upstream')
  const mirror = `http://127.0.0.1:${mirrorPort}`
  const identity = await createIdentity() // legate-full's jwt_authn and legate-cache-hit's token; every variant gets the same request
  const headers = loadHeaders(identity)

  log('bundling bench/workers/legate-loop.ts (esbuild)')
  const { build } = await import('esbuild')
  const script = path.join(dir, 'legate-loop.js')
  // `legate-baseline` is the gateway the `-base` variants run: the baseline's src/ (--baseline), else this tree's.
  let baselineGateway = path.join(ROOT, 'src/gateway.ts')
  if (opts.baseline) {
    const tree = path.join(dir, 'baseline')
    fs.mkdirSync(tree)
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(opts.baseline)} src durable | tar -x -C ${JSON.stringify(tree)}`], { cwd: ROOT })
    baselineGateway = path.join(tree, 'src/gateway.ts')
    log(`baseline: src/ of ${opts.baseline} (${execFileSync('git', ['rev-parse', '--short', opts.baseline], { cwd: ROOT, encoding: 'utf8' }).trim()})`)
  }
  const baselinePlugin = { name: 'legate-baseline', setup: (b) => b.onResolve({ filter: /^legate-baseline$/ }, () => ({ path: baselineGateway })) }
  await build({
    ...WORKER_BUNDLE,
    entryPoints: [path.join(ROOT, 'bench/workers/legate-loop.ts')],
    outfile: script,
    plugins: [baselinePlugin],
    nodePaths: [path.join(ROOT, 'node_modules')], // the baseline tree lives outside the repository
  })
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
    bindings: { ...base.bindings, UPSTREAM: upstream, MIRROR: mirror }, // the bare and floor variants' upstreams
    kvNamespaces: { CONFIG: 'unused', ...Object.fromEntries(legateNames.map((n) => [`CONFIG_${n}`, `config-${n}`])) },
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
  for (const n of legateNames) await seedLegate(mf, 'legate', underValgrind(VARIANTS[variantOf(n)](upstream, identity, mirror)), `CONFIG_${n}`, CANARY_PERCENT[variantOf(n)])
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
      const req = http.request({ agent, hostname, port: gwPort, path: LOAD_PATH, method: spec.method ?? 'GET', headers: { ...headers, ...spec.headers, host } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode)).on('error', reject)
      })
      req.on('error', (e) => (retry && req.reusedSocket ? get(host, spec, false).then(resolve, reject) : reject(e)))
      req.end(spec.body)
    })
  /** `count` requests to variant n over CONNECTIONS keep-alive connections, as a load generator would send them. */
  const loop = async (n, count) => {
    let left = count
    const non2xx = []
    const connection = async () => {
      while (left-- > 0) {
        const status = await get(`${n}.variant.bench`, REQUESTS[variantOf(n)])
        if (status < 200 || status > 299) non2xx.push(status)
      }
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, connection))
    if (non2xx.length) throw new Error(`variant ${n}: ${non2xx.length} of ${count} responses were not 2xx (${[...new Set(non2xx)].join(', ')})`)
  }

  log(`warm-up: ${opts.warmup} requests per variant`)
  for (const n of names) await loop(n, Number(opts.warmup))
  const seen = new Set(fs.readdirSync(dir))
  const dumped = (label) => readDump(dir, seen, label, opts['keep-dumps'])
  const perRequest = Object.fromEntries(names.map((n) => [n, []]))
  const withoutTasks = Object.fromEntries(names.map((n) => [n, []]))
  // With --baseline, a variant and its `-base` swap places every other round: an A/A run (the same tree as its own
  // baseline) read the first of the two 2–6 % higher in short runs.
  const swapped = (n) => (n.endsWith('-base') ? variantOf(n) : names.includes(`${n}-base`) ? `${n}-base` : n)
  for (let r = 1; r <= rounds; r++) {
    for (const n of r % 2 ? names : names.map(swapped)) {
      callgrind('-z')
      callgrind('-i', 'on')
      await loop(n, requests)
      callgrind('-d')
      callgrind('-i', 'off')
      const { total, tasks } = dumped(`${n}.${r}`)
      perRequest[n].push(Math.round(total / requests))
      withoutTasks[n].push(Math.round((total - tasks) / requests))
    }
    log(`round ${r}/${rounds}: ${names.map((n) => `${n} ${perRequest[n].at(-1).toLocaleString('en')} (${withoutTasks[n].at(-1).toLocaleString('en')} without V8 tasks)`).join(', ')}`)
  }
  const note = (n) => (n.endsWith('-base') ? `${NOTES[variantOf(n)]}; on the gateway of ${opts.baseline}` : NOTES[n])
  const meta = { rounds, requests_per_round: requests, warmup: Number(opts.warmup), connections: CONNECTIONS }
  const result = summarize({ names, perRequest, withoutTasks, note, baseline: opts.baseline, meta })
  printSummary(result.variants)
  if (opts.record) {
    const results = readJson(RESULTS) ?? {}
    fs.writeFileSync(RESULTS, `${JSON.stringify({ ...results, instructions: { ...result, legate: gitRevision() } }, null, 2)}\n`)
    log(`wrote the instructions entry of ${path.relative(process.cwd(), RESULTS)}`)
  }
  if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`)
}

function gitRevision() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() ? `${sha}+uncommitted` : sha
  } catch {
    return null
  }
}

try {
  await main()
} catch (e) {
  console.error(`bench:instructions failed: ${e?.stack ?? e}`)
  process.exitCode = 1
} finally {
  await cleanup()
}
