/**
 * @module `legate rollback [version]`: makes old content live again as a NEW version ("rollback of N"),
 * so versions only move forward. Default: the version before the live one.
 */
import { validatorFingerprint } from '../../snapshot/seal.ts'
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
import { ADMIN_HELP, ADMIN_OPTIONS, adminCall, adminTarget, replyError } from '../admin-client.ts'
import type { Io } from '../io.ts'

const NAME = 'rollback'

/** `--url`: POST /__legate/config/rollback, so the gateway's config coordinator numbers the new version. */
async function rollbackThroughGateway(requested: number | undefined, url: string, io: Io): Promise<ExitCode> {
  const admin = adminTarget(NAME, url)
  const reply = await adminCall(admin, 'POST', '/config/rollback', requested === undefined ? {} : { version: requested })
  if (reply.status === 404) throw new UsageError(reply.body.detail ?? 'no such version', NAME)
  if (reply.status !== 200) throw replyError(reply)
  const b = reply.body
  io.record?.({ status: b.status, target: admin.url, version: b.version, ...(b.rolled_back_to ? { rolled_back_to: b.rolled_back_to } : {}) })
  io.out(
    b.status === 'unchanged'
      ? `unchanged: version ${b.version} at ${admin.url} already has that content; nothing written.`
      : `rolled back to the content of version ${b.rolled_back_to} as version ${b.version} through ${admin.url}.`
  )
  return EXIT.OK
}

export const rollbackCommand: Command = {
  name: NAME,
  summary: 'make an earlier version live again (as a new version: versions only move forward)',
  help: `Usage: legate rollback [version] [--local | --remote] [--env NAME] [--persist-to DIR] [--filters <module>]
       legate rollback [version] --url URL

Writes a new version whose content is that of <version> (default: the version before the live one), with
source "rollback of <version>", and makes it live. The content is validated again first, with the filters
this build knows (plus --filters). See \`legate history\` for the versions.

${TARGET_HELP}

With --url the running gateway rolls back (its config coordinator numbers the version, so a rollback never
races another publish; refused with exit 4 while a canary rollout runs: abort it first).
${ADMIN_HELP}

Options:
  --filters <module>   also accept the filters exported by <module>
  -h, --help           show this help

Exit codes: 0 rolled back or unchanged, 1 that content no longer validates, 2 usage error (bad or unknown
version, nothing to roll back), 3 wrangler/KV failure (or gateway unreachable), 4 refused by the gateway.`,

  async run(args, io): Promise<ExitCode> {
    const { values, positionals } = parse(NAME, args, { ...HELP_OPTION, ...FILTERS_OPTION, ...TARGET_OPTIONS, ...ADMIN_OPTIONS })
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    if (positionals.length > 1) throw new UsageError(`expected at most one version, got ${positionals.join(' ')}`, NAME)
    const requested = positionals[0] === undefined ? undefined : Number(positionals[0])
    if (requested !== undefined && !(Number.isInteger(requested) && requested > 0))
      throw new UsageError(`"${positionals[0]}" is not a version number (see \`legate history\`)`, NAME)
    if (values.url !== undefined) {
      if (values.local || values.remote || values['persist-to'] !== undefined) throw new UsageError('--url rolls back through a running gateway: drop --local, --remote and --persist-to', NAME)
      return rollbackThroughGateway(requested, values.url, io)
    }
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
    const result = await publish(store, body.config, `rollback of ${version}`, pointer, await validatorFingerprint(table.filters))
    io.record?.({ rolled_back_to: version })
    if (result.status === 'published') io.out(`rolled back to the content of version ${version} (pushed ${body.pushed_at} by ${body.source}):`)
    reportPublish(io, result, target, table.config)
    return EXIT.OK
  },
}
