/** @module `legate pull`: the live version (or an older one) back as a route file; pull → validate → diff is a no-op. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { stringify } from 'yaml'
import { HELP_OPTION, TARGET_HELP, TARGET_OPTIONS, parse, toTarget } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, UsageError, type ExitCode } from '../exit-codes.ts'
import { shortSha } from '../format.ts'
import { createKvStore, describeTarget } from '../kv-store.ts'
import { createProgress } from '../progress.ts'
import { isRouteFile } from '../sources.ts'

const NAME = 'pull'
/** The file `-o DIR` writes. */
export const PULLED_FILE = 'routes.yaml'

/**
 * The stored table as YAML, keys and list items in their stored order: the stored sha256 is that of the JSON
 * text, so the same order gives the same hash and `legate diff` reports no differences.
 */
export function toYaml(config: unknown, header: string): string {
  return `${header
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n')}\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`
}

export const pullCommand: Command = {
  name: NAME,
  summary: 'write the live version (or --version N) back as a route file',
  help: `Usage: legate pull [-o DIR] [--version N] [--force] [--local | --remote] [--env NAME] [--persist-to DIR]

Reads the live version (config/current) and prints it as YAML on stdout, or writes it to DIR/${PULLED_FILE}
with -o. The table comes back as one file, as stored (split files were merged at push); keys keep their
order, so \`legate diff DIR\` right after a pull reports no differences.

${TARGET_HELP}

Options:
  -o, --output DIR     write DIR/${PULLED_FILE} (DIR is created); refuses a DIR that already holds route files
                       unless --force (which replaces ${PULLED_FILE} and leaves other files alone)
  --version N          that stored version instead of the live one (see \`legate history\`)
  --force              see -o
  -h, --help           show this help

Exit codes: 0 ok, 2 usage error (nothing pushed yet, no such version, DIR not empty), 3 wrangler/KV failure.`,

  async run(args, io): Promise<ExitCode> {
    const options = { ...HELP_OPTION, ...TARGET_OPTIONS, output: { type: 'string', short: 'o' }, version: { type: 'string' }, force: { type: 'boolean' } } as const
    const { values } = parse(NAME, args, options, false)
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    const requested = values.version === undefined ? undefined : Number(values.version)
    if (requested !== undefined && !(Number.isInteger(requested) && requested > 0))
      throw new UsageError(`--version ${JSON.stringify(values.version)}: not a version number (see \`legate history\`)`, NAME)
    const dir = values.output
    if (dir !== undefined) refuseOverwrite(dir, values.force === true)
    const target = toTarget(NAME, values)
    const where = describeTarget(target)
    const store = createKvStore(target, createProgress(io.stderr))

    const { pointer, version, body } = await store.readVersion(
      requested,
      (live) => {
        if (requested) return requested
        if (!live) throw new UsageError(`nothing to pull: no version is live in ${where} (run \`legate push\` first)`, NAME)
        return live.version
      },
      NAME
    )
    const live = pointer?.version === version
    const yaml = toYaml(body.config, `Legate route table: version ${version}${live ? ' (live)' : ''}, sha ${body.sha256}\npushed ${body.pushed_at} by ${body.source}, pulled from ${where}`)
    io.record?.({ target: where, version, live, sha256: body.sha256, pushed_at: body.pushed_at, source: body.source, ...(dir === undefined ? { config: body.config } : {}) })
    if (dir === undefined) {
      io.out(yaml.trimEnd())
      return EXIT.OK
    }
    mkdirSync(dir, { recursive: true })
    const file = join(dir, PULLED_FILE)
    writeFileSync(file, yaml)
    io.record?.({ file })
    io.err(`wrote version ${version}${live ? ' (live)' : ''} (sha ${shortSha(body.sha256)}) to ${relative('.', file) || file}; \`legate diff ${dir}\` compares it with the live version.`)
    return EXIT.OK
  },
}

/** A DIR with other route files would be merged with the pulled one by validate/push: refuse it up front. */
function refuseOverwrite(dir: string, force: boolean): void {
  if (!existsSync(dir)) return
  const routeFiles = readdirSync(dir).filter(isRouteFile)
  const others = routeFiles.filter((f) => f !== PULLED_FILE)
  if (others.length)
    throw new UsageError(`${dir} already holds route files (${others.join(', ')}), which \`legate validate ${dir}\` would merge with the pulled table; pull into an empty directory`, NAME)
  if (routeFiles.includes(PULLED_FILE) && !force) throw new UsageError(`${join(dir, PULLED_FILE)} exists; pass --force to replace it`, NAME)
}
