/**
 * @module rate_limit benchmark (issue 5): Legate on workerd (Miniflare, the real RateLimiter Durable Object) with one
 * route table of three routes on the same upstream: `/plain` (no limit), `/exact` (exact mode) and `/leased` (leased
 * mode), each limit on one hot key with a limit too high to refuse anything, so only the limiter's cost shows.
 * - Latency: requests one at a time, alternating blocks of /plain and /exact; added p50 and p99 of exact mode.
 * - Throughput: autocannon, alternating rounds of /plain and /leased (and /exact); leased ÷ plain, and Durable
 *   Object calls per request (bench/workers/legate.ts counts every call on a stub).
 * Run: `node --import tsx bench/micro-ratelimit.ts [--quick]`. Prints one JSON line per figure on stdout, like
 * bench/micro.ts; progress on stderr. Stops everything it started (Miniflare's workerd, the upstream) on exit.
 */
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error autocannon ships no types (bench/run.mjs uses it from JavaScript)
import autocannon from 'autocannon'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { toRecords } from '../src/config/publish.ts'
import { WORKER_BUNDLE } from './worker-bundle.mjs'

const QUICK = process.argv.includes('--quick')
const ROUNDS = QUICK ? 2 : 4
const DURATION_S = QUICK ? 4 : 8
const LATENCY_BLOCK = QUICK ? 300 : 1_000
const CONNECTIONS = 32
const BENCH = fileURLToPath(new URL('.', import.meta.url))
const log = (...a: unknown[]) => console.error('[bench rate_limit]', ...a)
const emit = (name: string, value: number, unit: string) => console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit }))

const hot = (name: string, mode: string) => ({
  name,
  actions: [{ generic_key: { descriptor_value: 'all' } }],
  sliding_window: { requests_per_unit: 1_000_000_000, unit: 'minute' },
  mode,
})

function routeTable(upstream: string) {
  const route = (name: string, filters: unknown) => ({ name, match: { prefix: `/${name}` }, filters, forward: { cluster: 'upstream' } })
  const limit = (mode: string) => ({ rate_limit: { domain: 'bench', rate_limits: [hot(mode, mode)], timeout: '1s' } })
  return {
    http_filters: [{ name: 'rate_limit', disabled: true, config: { rate_limits: [hot('off', 'local')] } }],
    clusters: [{ name: 'upstream', endpoints: [{ url: upstream }] }],
    virtual_hosts: [{ name: 'bench', domains: ['*'], routes: [route('plain', {}), route('exact', limit('exact')), route('leased', limit('leased'))] }],
  }
}

/** Access-log lines of workerd, counted per path for responses flagged RLSE (a limiter call failed or timed out). */
const serviceErrors: Record<string, number> = {}
function countServiceErrors(stream: NodeJS.ReadableStream) {
  let rest = ''
  stream.on('data', (d: Buffer) => {
    const lines = (rest + String(d)).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      const m = /"path":"\/(\w+)".*"response_flags":"[^"]*RLSE/.exec(line)
      if (m) serviceErrors[m[1]!] = (serviceErrors[m[1]!] ?? 0) + 1
    }
  })
}

const cleanups: (() => Promise<void> | void)[] = []
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => {})
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)))
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)))

async function startUpstream(): Promise<string> {
  const child = fork(path.join(BENCH, 'upstream.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  cleanups.push(() => void child.kill('SIGTERM'))
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port))
    child.once('exit', (code) => reject(new Error(`upstream exited (${code})`)))
  })
  return `http://127.0.0.1:${port}`
}

async function startLegate(upstream: string): Promise<string> {
  const out = path.join(BENCH, '.build', 'legate-ratelimit.js')
  await build({
    entryPoints: [path.join(BENCH, 'workers/legate.ts')],
    outfile: out,
    ...WORKER_BUNDLE,
  })
  // Without [assets] (the dashboard page): Miniflare would put its assets router Worker in front of the gateway.
  const { assets: _dashboard, ...base } = unstable_getMiniflareWorkerOptions(path.join(BENCH, '..', 'wrangler.toml')).workerOptions
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'legate-bench-rl-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const mf = new Miniflare({
    workers: [
      {
        ...(base as object),
        name: 'legate',
        scriptPath: out,
        modules: true,
        kvNamespaces: { CONFIG: 'bench-rl' },
        durableObjectsPersist: process.env.RL_MEM ? false : path.join(tmp, 'do'),
        stripCfConnectingIp: false,
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      },
    ],
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      countServiceErrors(stdout)
      countServiceErrors(stderr)
    },
  } as ConstructorParameters<typeof Miniflare>[0])
  cleanups.push(() => mf.dispose())
  await mf.ready
  const { key, value, metadata, pointer } = await toRecords(routeTable(upstream), 1, 'bench')
  const kv = await mf.getKVNamespace('CONFIG', 'legate')
  await kv.put(key, value, { metadata })
  await kv.put('config/current', JSON.stringify(pointer))
  return (await mf.unsafeGetDirectURL('legate')).origin
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!
const median = (xs: number[]) => quantile(xs, 0.5)

async function latencies(url: string, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    const res = await fetch(url)
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`${url}: status ${res.status}`)
    out.push(performance.now() - t)
  }
  return out
}

function load(url: string, seconds: number): Promise<{ rps: number; requests: number; errors: number }> {
  return new Promise((resolve, reject) => {
    type Result = { requests: { average: number; total: number }; errors: number; non2xx: number }
    autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 }, (err: Error | null, r: Result) => {
      if (err) reject(err)
      else resolve({ rps: r.requests.average, requests: r.requests.total, errors: r.errors + r.non2xx })
    })
  })
}

const doCalls = async (base: string, method = 'GET') => ((await (await fetch(`${base}/__bench/do-calls`, { method })).json()) as { calls: number }).calls

try {
  log('starting the upstream and Legate (Miniflare, RateLimiter objects)')
  const base = await startLegate(await startUpstream())
  for (const p of ['plain', 'exact', 'leased']) await latencies(`${base}/${p}`, 50) // warm-up: config load, objects

  log(`latency: ${ROUNDS} rounds × ${LATENCY_BLOCK} sequential requests per route`)
  const lat: Record<string, number[]> = { plain: [], exact: [], leased: [] }
  const seqCalls: Record<string, number> = { plain: 0, exact: 0, leased: 0 }
  for (let r = 0; r < ROUNDS; r++)
    for (const p of ['plain', 'exact', 'leased']) {
      await doCalls(base, 'POST')
      lat[p]!.push(...(await latencies(`${base}/${p}`, LATENCY_BLOCK)))
      seqCalls[p]! += await doCalls(base)
    }
  for (const p of ['plain', 'exact', 'leased']) {
    emit(`ratelimit-latency-${p}-p50`, quantile(lat[p]!, 0.5), 'ms')
    emit(`ratelimit-latency-${p}-p99`, quantile(lat[p]!, 0.99), 'ms')
    emit(`ratelimit-latency-${p}-do-calls-per-request`, seqCalls[p]! / (ROUNDS * LATENCY_BLOCK), 'calls/req')
  }
  emit('ratelimit-exact-added-p50', quantile(lat.exact!, 0.5) - quantile(lat.plain!, 0.5), 'ms')
  emit('ratelimit-exact-added-p99', quantile(lat.exact!, 0.99) - quantile(lat.plain!, 0.99), 'ms')

  log(`throughput: ${ROUNDS} alternating rounds × ${DURATION_S} s, ${CONNECTIONS} connections`)
  const rps: Record<string, number[]> = { plain: [], leased: [], exact: [] }
  const calls: Record<string, { calls: number; requests: number }> = { leased: { calls: 0, requests: 0 }, exact: { calls: 0, requests: 0 } }
  for (let r = 0; r < ROUNDS; r++)
    for (const p of ['plain', 'leased', 'exact']) {
      await doCalls(base, 'POST')
      const res = await load(`${base}/${p}`, DURATION_S)
      if (res.errors) throw new Error(`${p}: ${res.errors} errors or non-2xx answers`)
      rps[p]!.push(res.rps)
      const c = calls[p]
      if (c) {
        c.calls += await doCalls(base)
        c.requests += res.requests
      }
    }
  for (const p of ['plain', 'leased', 'exact']) emit(`ratelimit-throughput-${p}`, median(rps[p]!), 'req/s')
  emit('ratelimit-leased-throughput-ratio', median(rps.leased!) / median(rps.plain!), 'ratio')
  emit('ratelimit-exact-throughput-ratio', median(rps.exact!) / median(rps.plain!), 'ratio')
  emit('ratelimit-leased-do-calls-per-request', calls.leased!.calls / calls.leased!.requests, 'calls/req')
  emit('ratelimit-exact-do-calls-per-request', calls.exact!.calls / calls.exact!.requests, 'calls/req')
  // Failure-mode admissions would flatter the figures: report them (expected 0).
  for (const p of ['exact', 'leased']) emit(`ratelimit-${p}-service-errors`, serviceErrors[p] ?? 0, 'requests')
} finally {
  await cleanup()
}
