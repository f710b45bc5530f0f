/** @module Command-line parsing on node:util parseArgs (strict: unknown flags are usage errors, exit 2). */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './exit-codes.ts'
import type { KvTarget } from './kv-store.ts'

type Options = NonNullable<ParseArgsConfig['options']>

/** Where `npm start` and `legate push --local` keep local KV (wrangler's own default). */
export const DEFAULT_PERSIST_TO = '.wrangler/state'

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies Options
export const FILTERS_OPTION = { filters: { type: 'string' } } as const satisfies Options
export const TARGET_OPTIONS = {
  local: { type: 'boolean' },
  remote: { type: 'boolean' },
  env: { type: 'string' },
  'persist-to': { type: 'string' },
} as const satisfies Options

export const TARGET_HELP = `Target:
  --local              the local KV simulation used by \`npm start\` / \`wrangler dev\` (default)
  --remote             your Cloudflare KV namespace (binding CONFIG in wrangler.toml; needs \`wrangler login\`)
  --env NAME           a wrangler environment ([env.NAME] in wrangler.toml)
  --persist-to DIR     local state directory (default ${DEFAULT_PERSIST_TO}, the one \`npm start\` uses)`

/** Parses `args` for `command`; unknown flags and bad values become UsageErrors. */
export function parse<O extends Options>(command: string, args: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true })
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1]
    const near = unknown === undefined ? undefined : closest(unknown, Object.keys(options))
    throw new UsageError(near ? `${message}; did you mean --${near}?` : message, command)
  }
}

/** The option name nearest to `name` (edit distance at most 2, or a prefix either way), if any. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const c of candidates) {
    const d = c.startsWith(name) || name.startsWith(c) ? 1 : editDistance(name, c)
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }
  return best
}

/** Levenshtein distance (two rows). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

/** `--local | --remote [--env] [--persist-to]` → a KV target. */
export function toTarget(
  command: string,
  v: { local?: boolean; remote?: boolean; env?: string; 'persist-to'?: string }
): KvTarget {
  if (v.local && v.remote) throw new UsageError('use either --local or --remote, not both', command)
  if (v.env !== undefined) checkEnvironment(command, v.env)
  if (v.remote) {
    if (v['persist-to'] !== undefined) throw new UsageError('--persist-to applies to --local only', command)
    return { mode: 'remote', ...(v.env ? { env: v.env } : {}) }
  }
  return { mode: 'local', persistTo: resolve(v['persist-to'] ?? DEFAULT_PERSIST_TO), ...(v.env ? { env: v.env } : {}) }
}

/** The environments `[env.NAME]` (or `[[env.NAME.…]]`) that a wrangler.toml defines. */
export function wranglerEnvironments(toml: string): string[] {
  const names = new Set<string>()
  for (const m of toml.matchAll(/^[ \t]*\[\[?[ \t]*env\.([A-Za-z0-9_-]+)[ \t]*[.\]]/gm)) names.add(m[1]!)
  return [...names]
}

/**
 * Refuses an `--env` that ./wrangler.toml does not define. wrangler itself only warns and then uses the top-level
 * bindings, so a typo would write to the default (with --remote: production) namespace (issue 14).
 */
export function checkEnvironment(command: string, env: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(env)) throw new UsageError(`--env ${JSON.stringify(env)}: not an environment name`, command)
  const file = resolve('wrangler.toml')
  if (!existsSync(file)) throw new UsageError(`--env ${env}: there is no wrangler.toml here (${file}) to define it; run legate from your project's directory`, command)
  const known = wranglerEnvironments(readFileSync(file, 'utf8'))
  if (!known.includes(env))
    throw new UsageError(`--env ${env}: wrangler.toml defines no such environment (known: ${known.join(', ') || 'none'}); add an [env.${env}] section with its own bindings, or fix the name`, command)
}
