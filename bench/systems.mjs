/**
 * Starts the systems under load for bench/run.mjs, all on 127.0.0.1, each registered for cleanup (bench/procs.mjs):
 *
 * - Worker scenarios (bare, legate-*, floor-*, hono-handwritten) in one Miniflare instance, i.e. one workerd process. Each
 *   Worker gets its own workerd socket (`unsafeDirectSockets`), so requests reach it without Miniflare's entry
 *   Worker or any Node proxy; `stripCfConnectingIp: false` keeps subrequests direct too. Legate's options come
 *   from wrangler.toml through wrangler's `unstable_getMiniflareWorkerOptions` (compat date and flags, vars,
 *   Durable Objects as they land); its route table is written to its own KV namespace with `toRecords`.
 * - fast-gateway in a forked Node process (bench/fast-gateway.mjs), when installed.
 * - nginx from a generated config, when `nginx` is on the PATH.
 * - With --calibrate, the bare Worker once more on a generated workerd config with no Miniflare at all.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WORKER_BUNDLE } from './worker-bundle.mjs'
import { childPids, external, forkServer, freePort, log, onCleanup, pidAlive, stopChild, tempDir, track, waitForHttp } from './procs.mjs'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const ROOT = path.join(BENCH, '..')
const BUILD = path.join(BENCH, '.build')

export const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** Bundles the TypeScript Workers as wrangler would (esbuild, ESM, workerd conditions). */
export async function bundleWorkers() {
  const { build, stop } = await import('esbuild')
  fs.mkdirSync(BUILD, { recursive: true })
  onCleanup(() => stop())
  await build({
    entryPoints: { legate: path.join(BENCH, 'workers/legate.ts'), 'hono-gateway': path.join(BENCH, 'workers/hono-gateway.ts') },
    outdir: BUILD,
    ...WORKER_BUNDLE,
  })
  await stop() // the esbuild service process is not needed during the load runs
  return { legate: path.join(BUILD, 'legate.js'), hono: path.join(BUILD, 'hono-gateway.js') }
}

/**
 * `new Miniflare(options)` with its storage in `dir`. Miniflare keeps its storage in os.tmpdir()/miniflare-<random>
 * and removes it fire-and-forget on dispose, which a process about to exit never finishes; constructing it with
 * TMPDIR inside one of our own temporary directories puts that storage where cleanup(), the exit hook and the
 * reaper remove it.
 */
export function newMiniflare(Miniflare, options, dir) {
  const savedTmp = process.env.TMPDIR
  process.env.TMPDIR = dir
  try {
    return new Miniflare(options)
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = savedTmp
  }
}

/**
 * Seeds a Legate Worker's KV namespace (the `binding`) with a route table as `legate push` writes it. With
 * `canaryPercent`, version 2 (the same table with another refresh_interval) is a running canary of version 1 at that
 * percent, as the config coordinator writes it; nothing judges it during the run (bake and judging 1 h).
 */
export async function seedLegate(mf, workerName, config, binding = 'CONFIG', canaryPercent) {
  const { tsImport } = await import('tsx/esm/api')
  const { pushRecords } = await tsImport('./push-records.ts', import.meta.url)
  const { guardrailsSchema } = await tsImport('../src/rollout/schema.ts', import.meta.url)
  const kv = await mf.getKVNamespace(binding, workerName)
  const write = async (table, version) => {
    const { key, value, metadata, pointer } = await pushRecords(table, version)
    await kv.put(key, value, { metadata })
    return pointer
  }
  let pointer = await write(config, 1)
  if (canaryPercent !== undefined) {
    const canary = await write({ ...config, gateway: { ...config.gateway, refresh_interval: '61s' } }, 2)
    const at = new Date().toISOString()
    const hour = 3_600_000
    pointer = { ...pointer, rollout: { id: 'bench', canary: { version: canary.version, sha256: canary.sha256 }, steps: [canaryPercent], step: 0, bake: hour, judge_interval: hour, assign: { by: 'client' }, guardrails: guardrailsSchema.parse({}), started_at: at, step_started_at: at, stats_shards: 4 } }
  }
  await kv.put('config/current', JSON.stringify(pointer))
}

async function startWorkers(workers, upstream, identity, { calibrate, inspect, mirrorUpstream }) {
  log('bundling Legate and the Hono gateway (esbuild)')
  const bundles = await bundleWorkers()
  log('reading wrangler.toml (wrangler.unstable_getMiniflareWorkerOptions)')
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  // Without [assets] (the dashboard page): Miniflare would put its assets router Worker in front of the gateway.
  const { assets: _dashboard, ...legateBase } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.toml')).workerOptions
  const common = { compatibilityDate: legateBase.compatibilityDate, compatibilityFlags: legateBase.compatibilityFlags ?? [] }
  const defs = {
    bare: { ...common, scriptPath: path.join(BENCH, 'workers/bare.js'), bindings: { UPSTREAM: upstream } },
    'hono-handwritten': {
      ...common,
      scriptPath: bundles.hono,
      bindings: { UPSTREAM: upstream, JWKS: JSON.stringify(identity.jwks) },
      // Cloudflare's Rate Limiting binding, as a hand-written Worker would use it (the limit is never reached).
      ratelimits: { RATE_LIMITER: { simple: { limit: 1_000_000, period: 60 } } },
    },
  }
  // The floor Workers: one script (bench/workers/floor.js), the variant named by the FLOOR binding.
  for (const s of workers)
    if (s.name.startsWith('floor-')) defs[s.worker] = { ...common, scriptPath: path.join(BENCH, 'workers/floor.js'), bindings: { UPSTREAM: upstream, MIRROR: mirrorUpstream, FLOOR: s.name } }
  // Every Legate scenario is the same Worker with its own KV namespace, seeded with the scenario's route table.
  for (const s of workers)
    if (s.config) defs[s.worker] = { ...legateBase, scriptPath: bundles.legate, kvNamespaces: { CONFIG: `bench-${s.worker}` } }
  const runtimeLog = []
  const inspectorPort = inspect ? await freePort() : undefined
  const { Miniflare } = await import('miniflare')
  const options = {
    ...(inspectorPort ? { inspectorPort } : {}),
    workers: workers.map((s) => ({
      ...defs[s.worker],
      name: s.worker,
      modules: true,
      // Without this, every subrequest goes through an extra JavaScript Worker that strips CF-Connecting-IP
      // (Miniflare's emulation of a platform rule; a generated workerd config has no such hop either).
      stripCfConnectingIp: false,
      unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    })),
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr])
        stream.on('data', (d) => {
          runtimeLog.push(...String(d).split('\n').filter(Boolean))
          if (runtimeLog.length > 200) runtimeLog.splice(0, runtimeLog.length - 200)
        })
    },
  }
  const mf = newMiniflare(Miniflare, options, tempDir('legate-bench-miniflare-'))
  let workerdPids = []
  onCleanup(async () => {
    let timer
    const timeout = new Promise((r) => (timer = setTimeout(r, 10_000)))
    await Promise.race([Promise.resolve(mf.dispose()).catch(() => {}), timeout])
    clearTimeout(timer)
    for (const pid of workerdPids) {
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL')
      external.remove(pid)
    }
  })
  await mf.ready
  workerdPids = childPids('workerd')
  for (const pid of workerdPids) external.add(pid)
  for (const s of workers) if (s.config) await seedLegate(mf, s.worker, s.config(upstream, identity, mirrorUpstream), 'CONFIG', s.canaryPercent)
  const bases = {}
  for (const s of workers) bases[s.name] = (await mf.unsafeGetDirectURL(s.worker)).origin
  if (calibrate) bases['bare-workerd-raw'] = await startRawWorkerd(upstream, common.compatibilityDate)
  return { bases, runtimeLog, inspectorPort, workerdPids }
}

/** --calibrate: the bare Worker on a generated workerd config, with no Miniflare in the process at all. */
async function startRawWorkerd(upstream, compatibilityDate) {
  const workerdModule = await import('workerd')
  const workerdBin = workerdModule.default?.default ?? workerdModule.default
  const dir = tempDir('legate-bench-workerd-')
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
  external.add(child.pid)
  onCleanup(async () => {
    await stopChild(child)
    external.remove(child.pid)
  })
  await waitForHttp(`http://127.0.0.1:${port}/`)
  return `http://127.0.0.1:${port}`
}

function resolveFastGateway() {
  const candidates = [process.env.BENCH_FAST_GATEWAY, path.join(ROOT, 'node_modules', 'fast-gateway')].filter(Boolean)
  for (const dir of candidates) {
    const pkg = readJson(path.join(dir, 'package.json'))
    if (pkg?.name === 'fast-gateway') return { dir: path.resolve(dir), version: pkg.version }
  }
  return undefined
}

function findNginx() {
  let bin
  try {
    bin = execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim()
  } catch {
    return undefined // `command -v` exits non-zero when nginx is not on the PATH
  }
  if (!bin) return undefined
  // `nginx -v` prints "nginx version: nginx/1.x" to stderr.
  const v = spawnSync(bin, ['-v'], { encoding: 'utf8' })
  return { bin, version: `${v.stderr ?? ''}${v.stdout ?? ''}`.trim().replace(/^nginx version:\s*/, '') || 'nginx' }
}

async function startNginx(bin, upstreamPort) {
  const dir = tempDir('legate-bench-nginx-')
  const port = await freePort()
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
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
  )
  const child = track(spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] }), 'nginx')
  external.add(child.pid)
  onCleanup(async () => {
    await stopChild(child, 'SIGQUIT') // graceful: the master stops its workers
    external.remove(child.pid)
  })
  await waitForHttp(`http://127.0.0.1:${port}/`)
  return `http://127.0.0.1:${port}`
}

/**
 * Starts every selected system. Marks scenarios whose system is missing as skipped (with the reason) and records
 * versions on them. @returns {{ bases: Record<string, string>, runtimeLog: string[], inspectorPort?: number }}
 */
export async function startSystems(scenarios, upstream, identity, { calibrate = false, inspect = false, mirrorUpstream = upstream } = {}) {
  const workers = scenarios.filter((s) => s.kind === 'worker' && !s.skipped)
  const out = workers.length ? await startWorkers(workers, upstream, identity, { calibrate, inspect, mirrorUpstream }) : { bases: {}, runtimeLog: [] }

  const fg = scenarios.find((s) => s.name === 'fast-gateway' && !s.skipped)
  if (fg) {
    const found = resolveFastGateway()
    if (!found)
      fg.skipped = 'fast-gateway is not installed: add the devDependency fast-gateway@3.4.7 (or set BENCH_FAST_GATEWAY to an installed copy)'
    else {
      const { port } = await forkServer('fast-gateway.mjs', [found.dir, upstream], 'fast-gateway')
      fg.version = found.version
      out.bases['fast-gateway'] = `http://127.0.0.1:${port}`
    }
  }

  const ngx = scenarios.find((s) => s.name === 'nginx' && !s.skipped)
  if (ngx) {
    const found = findNginx()
    if (!found) ngx.skipped = 'nginx is not installed (`which nginx` finds nothing)'
    else {
      ngx.version = found.version
      out.bases.nginx = await startNginx(found.bin, new URL(upstream).port)
    }
  }
  return out
}
