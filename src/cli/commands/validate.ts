/** @module `legate validate <files|dirs…>`: checks a (possibly split) route table and prints every problem. */
import { FILTERS_OPTION, HELP_OPTION, parse, TARGET_OPTIONS, toTarget } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, type ExitCode } from '../exit-codes.ts'
import { loadRegistry } from '../filters.ts'
import { formatIssue, formatSummary, plural } from '../format.ts'
import { paint, type Io } from '../io.ts'
import type { KvTarget } from '../kv-store.ts'
import { loadTable, summarize, type ValidTable } from '../table.ts'

const NAME = 'validate'

/** Loads and validates the files of any command; prints the issues and returns null when invalid. */
export async function loadValid(
  command: string,
  paths: readonly string[],
  filtersModule: string | undefined,
  io: Io
): Promise<ValidTable | null> {
  const filters = await loadRegistry(filtersModule, command)
  const table = loadTable(paths, filters, command)
  if (table.ok) return table
  const c = paint(io)
  for (const issue of table.issues) io.err(formatIssue(issue))
  io.record?.({ files: table.files, issues: table.issues })
  const writes = command === 'push' || command === 'start'
  const again = command === 'start' ? '`npm start`' : `\`legate ${command}\``
  io.err(c.red(`${plural(table.issues.length, 'error')} in ${plural(table.files.length, 'file')}${writes ? ': nothing was written' : ''}. Fix the lines above and run ${again} again.`))
  return null
}

/**
 * The common start of the commands that take route files and a KV target (`diff`, `push`): their options,
 * `--help`, the target and the validated files. Returns the exit code when the command is already done.
 */
export async function filesAndTarget(
  name: string,
  help: string,
  args: readonly string[],
  io: Io,
  flags: readonly string[] = [],
  strings: readonly string[] = []
): Promise<{ exit: ExitCode } | { target: KvTarget; table: ValidTable; flags: Record<string, boolean>; strings: Record<string, string | undefined> }> {
  const own: Record<string, { type: 'boolean' | 'string' }> = Object.fromEntries([...flags.map((f) => [f, { type: 'boolean' as const }]), ...strings.map((f) => [f, { type: 'string' as const }])])
  const { values, positionals } = parse(name, args, { ...own, ...HELP_OPTION, ...FILTERS_OPTION, ...TARGET_OPTIONS })
  if (values.help) {
    io.out(help)
    return { exit: EXIT.OK }
  }
  const target = toTarget(name, values)
  const given = values as Record<string, unknown>
  const set = Object.fromEntries(flags.map((f) => [f, given[f] === true]))
  const texts = Object.fromEntries(strings.map((f) => [f, typeof given[f] === 'string' ? (given[f] as string) : undefined]))
  const table = await loadValid(name, positionals, values.filters, io)
  return table ? { target, table, flags: set, strings: texts } : { exit: EXIT.INVALID }
}

export const validateCommand: Command = {
  name: NAME,
  summary: 'check route files (YAML or JSON, split files are merged) and print every error',
  help: `Usage: legate validate <files|dirs…> [--filters <module>]

Checks route tables against the schema and cross-references (unknown clusters, duplicate names…) and
prints every error as \`file:line path: message\`. A directory means its *.yaml, *.yml and *.json files
(schema.json excluded). Files split per team are merged: clusters and virtual_hosts are joined in file
order; gateway and http_filters may each appear in one file only.

Options:
  --filters <module>   also accept the filters exported by <module> as \`filters: FilterFactory[]\`
  -h, --help           show this help

Exit codes: 0 valid, 1 invalid, 2 usage error (unknown flag, missing file).`,

  async run(args, io): Promise<ExitCode> {
    const { values, positionals } = parse(NAME, args, { ...HELP_OPTION, ...FILTERS_OPTION })
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    const table = await loadValid(NAME, positionals, values.filters, io)
    if (!table) return EXIT.INVALID
    const summary = summarize(table.config)
    io.record?.({ files: table.files, summary })
    io.out(`${paint(io).green('valid')}: ${table.files.join(', ')}: ${formatSummary(summary)}`)
    return EXIT.OK
  },
}
