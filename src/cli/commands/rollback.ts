/**
 * @module `legate rollback [version]`: makes old content live again as a NEW version ("rollback of N"),
 * so versions only move forward. Default: the version before the live one.
 */
import { FILTERS_OPTION, HELP_OPTION, TARGET_HELP, TARGET_OPTIONS, parse, toTarget } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, EXIT, UsageError, type ExitCode } from '../exit-codes.ts'
import { loadRegistry } from '../filters.ts'
import { formatIssue } from '../format.ts'
import { createKvStore, describeTarget } from '../kv-store.ts'
import { createProgress } from '../progress.ts'
import { publish } from '../publish.ts'
import { checkTable } from '../table.ts'
import { reportPublish } from './push.ts'

const NAME = 'rollback'

export const rollbackCommand: Command = {
  name: NAME,
  summary: 'make an earlier version live again (as a new version: versions only move forward)',
  help: `Usage: legate rollback [version] [--local | --remote] [--env NAME] [--persist-to DIR] [--filters <module>]

Writes a new version whose content is that of <version> (default: the version before the live one), with
source "rollback of <version>", and makes it live. The content is validated again first, with the filters
this build knows (plus --filters). See \`legate history\` for the versions.

${TARGET_HELP}

Options:
  --filters <module>   also accept the filters exported by <module>
  -h, --help           show this help

Exit codes: 0 rolled back or unchanged, 1 that content no longer validates, 2 usage error (bad or unknown
version, nothing to roll back), 3 wrangler/KV failure.`,

  async run(args, io): Promise<ExitCode> {
    const { values, positionals } = parse(NAME, args, { ...HELP_OPTION, ...FILTERS_OPTION, ...TARGET_OPTIONS })
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    if (positionals.length > 1) throw new UsageError(`expected at most one version, got ${positionals.join(' ')}`, NAME)
    const requested = positionals[0] === undefined ? undefined : Number(positionals[0])
    if (requested !== undefined && !(Number.isInteger(requested) && requested > 0))
      throw new UsageError(`"${positionals[0]}" is not a version number (see \`legate history\`)`, NAME)
    const target = toTarget(NAME, values)
    const filters = await loadRegistry(values.filters, NAME)
    const store = createKvStore(target, createProgress(io.stderr))

    // With an explicit version, the pointer and the body come in one wrangler call.
    const { pointer, version, body } = await store.readVersion(
      requested,
      (live) => {
        if (!live) throw new UsageError(`nothing to roll back: no version is live in ${describeTarget(target)}`, NAME)
        const v = requested ?? live.version - 1
        if (v < 1) throw new UsageError(`version ${live.version} is the first one: there is nothing before it`, NAME)
        if (v > live.version) throw new UsageError(`version ${v} does not exist: the live version is ${live.version}`, NAME)
        return v
      },
      NAME
    )

    const table = checkTable(body.config as Record<string, unknown>, filters)
    if (!table.ok) {
      for (const issue of table.issues) io.err(formatIssue(issue))
      io.record?.({ issues: table.issues })
      throw new CliError(`version ${version} does not validate with this build's filters: nothing was written`, EXIT.INVALID, [
        'Push a corrected table instead, or pass --filters if it used your own filters.',
      ])
    }
    const result = await publish(store, body.config, `rollback of ${version}`, pointer)
    io.record?.({ rolled_back_to: version })
    if (result.status === 'published') io.out(`rolled back to the content of version ${version} (pushed ${body.pushed_at} by ${body.source}):`)
    reportPublish(io, result, target, table.config)
    return EXIT.OK
  },
}
