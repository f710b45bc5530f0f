/**
 * @module Child processes for `npm start`: each runs in its own process group (so stopping it also stops what it
 * started, e.g. wrangler's workerd), its output is passed through line by line, and `stop()` escalates from
 * SIGTERM to SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

const STOP_GRACE_MS = 5_000

export interface Child {
  readonly name: string
  readonly process: ChildProcess
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGTERM to the whole group, SIGKILL if it is still there after the grace period. */
  stop(): Promise<void>
}

export interface ChildOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Prepended to every line the child prints. */
  prefix?: string
  /** Sees every line (stdout and stderr), e.g. to detect readiness. */
  onLine?: (line: string) => void
  /** Rewrites a line (stdout or stderr) before it is shown; null drops it (onLine still sees the original). */
  transform?: (line: string) => string | null
}

export function startChild(name: string, file: string, args: readonly string[], opts: ChildOptions = {}): Child {
  const proc = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }))
    proc.on('error', (e) => {
      process.stderr.write(`${opts.prefix ?? ''}cannot start ${name}: ${e.message}\n`)
      resolve({ code: 127, signal: null })
    })
  })
  const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream, transform?: (line: string) => string | null) =>
    createInterface({ input: from }).on('line', (line) => {
      const shown = transform ? transform(line) : line
      if (shown !== null) to.write(`${opts.prefix ?? ''}${shown}\n`)
      opts.onLine?.(line)
    })
  pipe(proc.stdout!, process.stdout, opts.transform)
  pipe(proc.stderr!, process.stderr, opts.transform)

  let done = false
  void exited.then(() => (done = true))
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (proc.pid !== undefined) process.kill(-proc.pid, signal)
    } catch {
      // Already gone.
    }
  }
  return {
    name,
    process: proc,
    exited,
    async stop() {
      if (done) return
      signalGroup('SIGTERM')
      const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS)
      await exited
      clearTimeout(timer)
      // The group may outlive its leader (e.g. workerd after wrangler): make sure nothing stays behind.
      signalGroup('SIGKILL')
    },
  }
}

/** True when nothing listens on host:port (checked by binding it for a moment). */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })
}
