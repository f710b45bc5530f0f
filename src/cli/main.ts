/** @module The `legate` command: dispatch, global help, and turning errors into one message and an exit code. */
import { readFileSync } from 'node:fs'
import type { Command } from './command.ts'
import { cacheCommand } from './commands/cache.ts'
import { diffCommand } from './commands/diff.ts'
import { doctorCommand } from './commands/doctor.ts'
import { historyCommand } from './commands/history.ts'
import { importCommand } from './commands/import.ts'
import { keysCommand } from './commands/keys.ts'
import { pullCommand } from './commands/pull.ts'
import { pushCommand } from './commands/push.ts'
import { rollbackCommand } from './commands/rollback.ts'
import { rolloutCommand } from './commands/rollout.ts'
import { validateCommand } from './commands/validate.ts'
import { EXIT, isCliError, UsageError } from './exit-codes.ts'
import { createIo, jsonIo, paint, type Io } from './io.ts'

const COMMANDS: readonly Command[] = [validateCommand, pushCommand, diffCommand, pullCommand, historyCommand, rollbackCommand, rolloutCommand, keysCommand, cacheCommand, doctorCommand, importCommand]

/** Exit code for a bug in legate itself (EX_SOFTWARE), distinct from every documented outcome. */
const EXIT_INTERNAL = 70

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return `Usage: legate <command> [options]

Validate route tables and publish them to the gateway's KV namespace.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`legate <command> --help\` for a command's options.

Examples:
  legate validate routes/
  legate diff routes/                      what a push would change
  legate push routes/                      local KV, picked up by \`npm start\`
  legate push routes/ --remote --env prod  your Cloudflare KV namespace
  legate pull -o live/                     the live version back as live/routes.yaml
  legate history && legate rollback
  legate push routes/ --canary 5           through the running gateway: 5 % of clients, judged, promoted
  legate rollout status                    the canary against stable, its guardrails and events
  legate keys create --consumer acme       an API key for the api_key filter (shown once)
  legate doctor --env prod --remote        what a deploy of [env.prod] still needs

Options for every command:
  --json               print one JSON document on stdout: the result's fields, or \`error\` with its hints
                       (progress and diagnostics stay on stderr); \`ok\` and \`exit_code\` always

Exit codes: 0 ok, 1 invalid route table (doctor: a check failed), 2 usage error, 3 wrangler/KV failure (or
gateway unreachable), 4 refused by the gateway (stale --expect-version, rollout conflict), ${EXIT_INTERNAL} internal error.
Environment: LEGATE_WRANGLER=<path> runs that executable instead of the bundled wrangler.`
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/**
 * Runs one `legate` invocation; resolves with the process exit code. `--json` anywhere in argv makes stdout
 * one JSON document (result fields, or `error`), whatever the command.
 */
export async function main(argv: readonly string[], io: Io = createIo()): Promise<number> {
  if (!argv.includes('--json')) return run(argv, io)
  const args = argv.filter((a) => a !== '--json')
  const json = jsonIo(io, args[0])
  const code = await run(args, json.io)
  io.out(json.document(code))
  return code
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name === undefined) {
      io.err(globalHelp())
      return EXIT.USAGE
    }
    if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      io.out(globalHelp())
      return EXIT.OK
    }
    if (name === '--version' || name === '-v') {
      io.out(version())
      return EXIT.OK
    }
    if (name === 'help') return await dispatch(rest[0]!, ['--help'], io)
    return await dispatch(name, rest, io)
  } catch (e) {
    const c = paint(io)
    if (isCliError(e)) {
      io.err(c.red(`legate: ${e.message}`))
      for (const hint of e.hints) io.err(hint)
      io.record?.({ error: { message: e.message, hints: e.hints } })
      return e.exitCode
    }
    io.record?.({ error: { message: `internal error: ${(e as Error)?.message ?? String(e)}`, hints: ['This is a bug in legate; please report it with the command you ran.'] } })
    io.err(c.red(`legate: internal error: ${(e as Error)?.stack ?? String(e)}`))
    io.err('This is a bug in legate; please report it with the command you ran.')
    return EXIT_INTERNAL
  }
}

function dispatch(name: string, args: readonly string[], io: Io) {
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    const hint = name.startsWith('-') ? `unknown option "${name}" (options go after the command)` : `unknown command "${name}"`
    throw new UsageError(`${hint}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`)
  }
  return command.run(args, io)
}
