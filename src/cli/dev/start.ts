/**
 * @module `npm start`: validates routes/, starts the demo echo upstream, pushes the routes to local KV (the code
 * of `legate push --local`), then runs `wrangler dev` on the same persist directory and prints how to try it.
 * Ctrl-C or SIGTERM stops both children. Works offline, without a Cloudflare account.
 * Exit codes: 0 stopped by Ctrl-C/SIGTERM, 1 invalid route table, 2 usage error (bad flag, port in use),
 * 3 wrangler, KV or a child process failed.
 */
import { resolve } from 'node:path'
import { DEFAULT_PERSIST_TO, HELP_OPTION, parse } from '../args.ts'
import { pushTable } from '../commands/push.ts'
import { loadValid } from '../commands/validate.ts'
import { CliError, EXIT, isCliError, UsageError } from '../exit-codes.ts'
import { loadRegistry } from '../filters.ts'
import { formatMs } from '../format.ts'
import { createIo } from '../io.ts'
import { OFFLINE_ENV, wranglerCommand } from '../wrangler.ts'
import { portIsFree, startChild, type Child } from './children.ts'
import { createDevLog, LOG_MODES, type LogMode } from './log-lines.ts'
import { banner, useEchoPort, waitForGateway } from './ready.ts'

const NAME = 'start'
/** The demo admin token (`--var ADMIN_TOKEN:…`); production sets a secret instead. */
export const DEV_ADMIN_TOKEN = 'dev-admin-token'
const ROOT = resolve(import.meta.dirname, '../../..')

const HELP = `Usage: npm start -- [--port 8787] [--echo-port 8788] [--persist-to DIR] [--routes DIR] [--log short|json]

Runs the gateway locally: validates the route table, starts the demo echo upstream (demo/echo-server.mjs),
pushes the table to local KV (like \`legate push --local\`) and runs \`wrangler dev\` on 127.0.0.1.

Options:
  --port N           gateway port (default 8787)
  --echo-port N      echo upstream port (default 8788; the demo's echo cluster is pointed at it)
  --persist-to DIR   local KV/state directory (default ${DEFAULT_PERSIST_TO}, where \`legate push\` writes)
  --routes DIR       route files to serve (default routes/)
  --log short|json   short: one line per request (method, path, status, ms, route, flags, config version) and
                     config switches (default); json: wrangler's output as it is, with the full JSON access-log lines
  -h, --help         show this help`

const OPTIONS = {
  ...HELP_OPTION,
  port: { type: 'string', default: '8787' },
  'echo-port': { type: 'string', default: '8788' },
  'persist-to': { type: 'string', default: DEFAULT_PERSIST_TO },
  routes: { type: 'string', default: 'routes' },
  log: { type: 'string', default: 'short' },
} as const

function toPort(flag: string, value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${flag} ${value}: expected a port number`, NAME)
  return n
}

export async function start(argv: readonly string[]): Promise<number> {
  const io = createIo()
  const children: Child[] = []
  let stopping = false
  const stopAll = async (why: string) => {
    if (stopping) return
    stopping = true
    if (children.length) io.err(`\n${why}: stopping…`)
    await Promise.all(children.map((c) => c.stop()))
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => void stopAll(signal).then(() => process.exit(EXIT.OK)))

  try {
    const { values } = parse(NAME, argv, OPTIONS, false)
    if (values.help) {
      io.out(HELP)
      return EXIT.OK
    }
    if (!LOG_MODES.includes(values.log as LogMode)) throw new UsageError(`--log ${values.log}: expected short or json`, NAME)
    const port = toPort('port', values.port)
    const echoPort = toPort('echo-port', values['echo-port'])
    const persistTo = resolve(values['persist-to'])
    /** What `legate` needs to reach this gateway's KV, when it is not the default. */
    const persistFlag = persistTo === resolve(DEFAULT_PERSIST_TO) ? '' : ` --persist-to ${values['persist-to']}`
    io.out(`Validating ${values.routes}/ …`)
    const loaded = await loadValid(NAME, [values.routes], undefined, io)
    if (!loaded) return EXIT.INVALID
    const table = useEchoPort(loaded, echoPort, await loadRegistry(undefined, NAME), io)
    for (const [flag, p] of [['port', port], ['echo-port', echoPort]] as const)
      if (!(await portIsFree(p))) throw new UsageError(`port ${p} is in use (another \`npm start\`?): pick another with --${flag}`, NAME)

    let listening: (ok: boolean) => void = () => {}
    const echoReady = new Promise<boolean>((ok) => (listening = ok))
    const echoArgs = [resolve(ROOT, 'demo/echo-server.mjs'), '--port', String(echoPort)]
    const echo = startChild('echo server', process.execPath, echoArgs, { prefix: '[echo] ', onLine: (l) => l.includes('listening') && listening(true) })
    children.push(echo)
    void echo.exited.then(() => listening(false))
    if (!(await echoReady)) throw new CliError('the echo server did not start (see its output above)', EXIT.KV)

    io.out(`Pushing ${values.routes}/ to local KV at ${persistTo} …`)
    const pushed = await pushTable(table, { mode: 'local', persistTo }, io)
    const version = pushed.status === 'published' ? pushed.pointer.version : pushed.live.version
    if (stopping) return EXIT.OK

    const { file, args } = wranglerCommand()
    const devArgs = ['dev', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persistTo, '--var', `ADMIN_TOKEN:${DEV_ADMIN_TOKEN}`, '--show-interactive-dev-session=false']
    io.out(`Starting wrangler ${devArgs.join(' ')} …`)
    const wrangler = startChild('wrangler dev', file, [...args, ...devArgs], { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV }, transform: createDevLog(values.log as LogMode) })
    children.push(wrangler)
    for (const child of children)
      void child.exited.then(({ code, signal }) => {
        if (stopping) return
        io.err(`${child.name} exited (${signal ?? `code ${code}`}); see its output above.`)
        void stopAll('a child exited').then(() => process.exit(EXIT.KV))
      })

    const origin = `http://127.0.0.1:${port}`
    await waitForGateway(origin, DEV_ADMIN_TOKEN, wrangler)
    if (stopping) return EXIT.OK
    io.out(banner({ origin, echoPort, version, routes: values.routes, refresh: formatMs(table.config.gateway.refresh_interval), persistFlag, token: DEV_ADMIN_TOKEN }))
    await new Promise(() => {}) // until a signal
    return EXIT.OK
  } catch (e) {
    await stopAll('startup failed')
    if (!isCliError(e)) throw e
    io.err(`npm start: ${e.message}`)
    for (const hint of e.hints) io.err(hint.replace('legate start --help', 'npm start -- --help'))
    return e.exitCode
  }
}
