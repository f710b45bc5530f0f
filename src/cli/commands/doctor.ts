/** @module `legate doctor [--env NAME] [--remote]`: checks what a deploy needs and says what to do for each gap. */
import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { checkEnvironment, HELP_OPTION, parse } from '../args.ts'
import type { Command } from '../command.ts'
import { runChecks, type Check, type ProjectFacts, type ResolvedConfig } from '../doctor/checks.ts'
import { EXIT, isCliError, UsageError, type ExitCode } from '../exit-codes.ts'
import { plural } from '../format.ts'
import { paint, type Io } from '../io.ts'
import { createProgress } from '../progress.ts'
import { devVarsAdminToken } from '../dev-vars.ts'
import { runWrangler } from '../wrangler.ts'

const NAME = 'doctor'
const LABEL = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', info: 'info' } as const

type ReadConfig = (args: { config: string; env?: string }, options: { hideWarnings: boolean }) => ResolvedConfig

/** wrangler's own reading of wrangler.toml for `env`: the same resolution `wrangler deploy` uses. */
async function readWranglerConfig(file: string, env: string | undefined): Promise<ResolvedConfig> {
  const wrangler = (await import('wrangler')) as unknown as { unstable_readConfig: ReadConfig }
  try {
    return wrangler.unstable_readConfig({ config: file, ...(env ? { env } : {}) }, { hideWarnings: true })
  } catch (e) {
    throw new UsageError(`wrangler cannot read ${file}: ${(e as Error).message}`, NAME)
  }
}


/** A JSON list wrangler prints, or why it could not be had (not logged in, no network…). */
async function wranglerList<T>(args: string[], label: string, io: Io): Promise<{ list: T[] } | { error: string }> {
  try {
    const stdout = await createProgress(io.stderr).run(label, () => runWrangler(args))
    return { list: JSON.parse(stdout.slice(stdout.indexOf('['), stdout.lastIndexOf(']') + 1)) as T[] }
  } catch (e) {
    if (!isCliError(e) && !(e instanceof SyntaxError)) throw e
    return { error: [e.message, ...(isCliError(e) ? e.hints.map((h) => h.trim()) : [])].join('; ') }
  }
}

async function remoteFacts(env: string | undefined, io: Io): Promise<Pick<ProjectFacts, 'remoteSecrets' | 'remoteNamespaces'>> {
  const envArgs = env ? ['--env', env] : []
  const secrets = await wranglerList<{ name: string }>(['secret', 'list', '--format', 'json', ...envArgs], "listing the deployed Worker's secrets", io)
  const namespaces = await wranglerList<{ id: string }>(['kv', 'namespace', 'list', ...envArgs], "listing the account's KV namespaces", io)
  return {
    remoteSecrets: 'error' in secrets ? secrets : { names: secrets.list.map((s) => s.name) },
    remoteNamespaces: 'error' in namespaces ? namespaces : { ids: namespaces.list.map((n) => n.id) },
  }
}

function print(io: Io, checks: readonly Check[], where: string): void {
  const c = paint(io)
  const colour = { ok: c.green, warn: c.yellow, fail: c.red, info: c.dim } as const
  const width = Math.max(...checks.map((k) => k.name.length))
  io.out(`legate doctor: ${where}`)
  for (const k of checks) {
    io.out(`  ${colour[k.status](LABEL[k.status])}  ${k.name.padEnd(width)}  ${k.message}`)
    if (k.fix && k.status !== 'ok') io.out(`        ${' '.repeat(width)}  → ${k.fix}`)
  }
  const failed = checks.filter((k) => k.status === 'fail').length
  const warned = checks.filter((k) => k.status === 'warn').length
  io.out(
    failed
      ? c.red(`${plural(failed, 'problem')} to fix before \`wrangler deploy\`${warned ? `, ${plural(warned, 'warning')}` : ''}.`)
      : c.green(`ready to deploy${warned ? ` (${plural(warned, 'warning')})` : ''}.`)
  )
}

export const doctorCommand: Command = {
  name: NAME,
  summary: 'check that wrangler.toml (and with --remote, your account) has what a deploy needs',
  help: `Usage: legate doctor [--env NAME] [--remote]

Reads ./wrangler.toml the way \`wrangler deploy\` does ([env.NAME] does not inherit top-level bindings)
and checks, for that environment: the entry point, compatibility_date, the CONFIG KV namespace id, the four
Durable Object bindings and their SQLite migrations, ADMIN_TOKEN (a secret, never a var; locally in
.dev.vars), routes or a custom domain, Workers Logs ([observability]) and the optional Analytics Engine
binding. Each gap comes with what to do.

Options:
  --env NAME           a wrangler environment ([env.NAME] in wrangler.toml)
  --remote             also ask Cloudflare whether the CONFIG namespace exists in your account and the
                       Worker has its ADMIN_TOKEN secret (needs
                       \`wrangler login\` or CLOUDFLARE_API_TOKEN)
  -h, --help           show this help

Exit codes: 0 ready (warnings allowed), 1 a check failed, 2 usage error (no wrangler.toml, unknown env).`,

  async run(args, io): Promise<ExitCode> {
    const { values } = parse(NAME, args, { ...HELP_OPTION, env: { type: 'string' }, remote: { type: 'boolean' } }, false)
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    const file = resolve('wrangler.toml')
    if (!existsSync(file)) throw new UsageError(`there is no wrangler.toml here (${file}); run legate doctor from your project's directory`, NAME)
    const env = values.env
    if (env !== undefined) checkEnvironment(NAME, env)
    const read = await readWranglerConfig(file, env)
    const config = { ...read, ...(read.main ? { main: relative('.', read.main) || read.main } : {}) }
    const checks = runChecks(config, {
      ...(env ? { env } : {}),
      mainExists: config.main !== undefined && existsSync(resolve(config.main)),
      today: new Date().toISOString().slice(0, 10),
      localAdminToken: devVarsAdminToken(env) !== undefined,
      ...(values.remote ? await remoteFacts(env, io) : {}),
    })
    const failed = checks.some((k) => k.status === 'fail')
    io.record?.({ env: env ?? null, remote: values.remote === true, ready: !failed, checks })
    print(io, checks, `wrangler.toml${env ? ` [env ${env}]` : ' (top level)'}${values.remote ? ', with your Cloudflare account' : ''}`)
    return failed ? EXIT.INVALID : EXIT.OK
  },
}
