/**
 * Process bookkeeping for bench/run.mjs: every process and server the benchmark starts is registered here and
 * stopped by `cleanup()`, which runs at the end, on failure and on SIGINT / SIGTERM / SIGHUP. Processes that the
 * harness does not fork itself (workerd under Miniflare, nginx, a raw workerd) are also registered with
 * bench/reaper.mjs, which stops them if the harness dies without cleaning up (even on SIGKILL); forked helpers
 * (upstream, fast-gateway) exit on their own when their IPC channel closes. Temporary directories (`tempDir`)
 * are removed by cleanup(), by an exit hook, or by the reaper.
 *
 * Miniflare installs its own SIGINT/SIGTERM hook that stops its workerd and then calls process.exit at once, so
 * our signal handler (registered first, so it runs first) does the synchronous part of the cleanup straight away:
 * SIGTERM to every tracked child and removal of the temporary directories.
 */
import { fork } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BENCH = fileURLToPath(new URL('.', import.meta.url))

export const log = (...a) => console.error('[bench]', ...a)

const children = new Set()
const cleanups = []
const dirs = new Set()
let reaper
let cleaningUp
/** The load run in progress (its child process), stopped first on cleanup. */
export const current = { load: undefined }

/** Registers a child process (ChildProcess) so cleanup() stops it. */
export function track(child, label) {
  child.label = label
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Registers a cleanup step; steps run last-registered first. */
export const onCleanup = (fn) => cleanups.push(fn)

/** SIGTERM (or `signal`), then SIGKILL after 3 s. */
export async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  let timer
  const timeout = new Promise((r) => (timer = setTimeout(r, 3000, 'timeout')))
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
  }
  clearTimeout(timer)
}

export const pidAlive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The synchronous part of cleanup: safe in an exit hook or a signal handler. */
function cleanupSync() {
  for (const c of children) if (c !== reaper && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
}

/** Starts the reaper sidecar, the signal handlers and the exit hook. Call once, first. */
export function startReaper() {
  reaper = track(fork(path.join(BENCH, 'reaper.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), 'reaper')
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      log(`${sig}: stopping every process the benchmark started`)
      cleanupSync()
      cleanup().finally(() => process.exit(128 + (os.constants.signals[sig] ?? 1)))
    })
  }
  process.on('exit', cleanupSync)
}

/** A fresh temporary directory, removed on cleanup, on exit, or by the reaper. */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  dirs.add(dir)
  external.addDir(dir)
  onCleanup(() => {
    fs.rmSync(dir, { recursive: true, force: true })
    dirs.delete(dir)
    external.removeDir(dir)
  })
  return dir
}

/** A pid the reaper must stop if the harness dies; `external.remove` once it is stopped normally. */
export const external = {
  add: (pid) => reaper?.connected && reaper.send({ add: pid }),
  remove: (pid) => reaper?.connected && reaper.send({ remove: pid }),
  addDir: (dir) => reaper?.connected && reaper.send({ addDir: dir }),
  removeDir: (dir) => reaper?.connected && reaper.send({ removeDir: dir }),
}

/** Runs every cleanup step, stops every tracked child, then releases the reaper. Idempotent. */
export function cleanup() {
  cleaningUp ??= (async () => {
    current.load?.stop?.()
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

/** Tracked children still running (other than the reaper): should be none after cleanup(). */
export const stillRunning = () => [...children].filter((c) => c !== reaper && c.exitCode === null && c.signalCode === null)

/** Forks a bench helper that reports { port } over IPC once listening. */
export async function forkServer(file, args, label) {
  const child = track(fork(path.join(BENCH, file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), label)
  onCleanup(() => stopChild(child))
  let timer
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port))
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}) before listening`)))
    timer = setTimeout(() => reject(new Error(`${label} did not start within 15 s`)), 15_000)
  }).finally(() => clearTimeout(timer))
  return { child, port }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export async function waitForHttp(url, ms = 15_000) {
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
export function childPids(comm) {
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
