/** @module `legate push <files|dirs…>`: validates, then writes a new version to KV (body first, then pointer). */
import { TARGET_HELP } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, type ExitCode } from '../exit-codes.ts'
import { formatMs, formatSummary, shortSha } from '../format.ts'
import { paint, type Io } from '../io.ts'
import { createKvStore, describeTarget, type KvTarget } from '../kv-store.ts'
import { createProgress } from '../progress.ts'
import { publish, type PublishResult } from '../publish.ts'
import { summarize, type ValidTable } from '../table.ts'
import type { GatewayConfig } from '../../config/schema.ts'
import { filesAndTarget } from './validate.ts'

const NAME = 'push'

/** How long until the gateway serves a new version, in words. */
export function propagationNote(target: KvTarget, config: GatewayConfig): string {
  const refresh = `${formatMs(config.gateway.refresh_interval)} (gateway.refresh_interval)`
  return target.mode === 'local'
    ? `A running local gateway (npm start) picks it up within ${refresh}.`
    : `Remote KV takes up to ~60 s to reach every Cloudflare location; each isolate then switches within ${refresh}.`
}

/** Prints the outcome of a publish, the same way for push, rollback and `npm start`. */
export function reportPublish(io: Io, result: PublishResult, target: KvTarget, config: GatewayConfig): void {
  const c = paint(io)
  const live = result.status === 'unchanged' ? result.live : result.pointer
  io.record?.({
    status: result.status,
    target: describeTarget(target),
    version: live.version,
    sha256: live.sha256,
    ...(result.status === 'published' ? { previous_version: result.previous?.version ?? null } : {}),
    summary: summarize(config),
  })
  if (result.status === 'unchanged') {
    io.out(`${c.yellow('unchanged')}: version ${result.live.version} in ${describeTarget(target)} already has this content (sha ${shortSha(result.live.sha256)}); nothing written.`)
    return
  }
  const { pointer, previous } = result
  const was = previous ? `, was ${previous.version}` : ', first version'
  io.out(`${c.green('pushed')} version ${pointer.version} (sha ${shortSha(pointer.sha256)}${was}) to ${describeTarget(target)}: ${formatSummary(summarize(config))}`)
  io.out(propagationNote(target, config))
}

/** Publishes a validated table and reports it: the one code path of `legate push` and `npm start`. */
export async function pushTable(table: ValidTable, target: KvTarget, io: Io): Promise<PublishResult> {
  const result = await publish(createKvStore(target, createProgress(io.stderr)), table.raw, 'cli')
  reportPublish(io, result, target, table.config)
  return result
}

export const pushCommand: Command = {
  name: NAME,
  summary: 'validate route files and make them the live config (local KV by default)',
  help: `Usage: legate push <files|dirs…> [--local | --remote] [--env NAME] [--persist-to DIR] [--filters <module>]

Validates the files (exactly as \`legate validate\`; nothing is written when they are invalid), then writes
them as a new version: the body config/v/<version> first, then the pointer config/current. Content identical
to the live version is not written again ("unchanged").

${TARGET_HELP}

Options:
  --filters <module>   also accept the filters exported by <module>
  -h, --help           show this help

Exit codes: 0 pushed or unchanged, 1 invalid, 2 usage error, 3 wrangler/KV failure.`,

  async run(args, io): Promise<ExitCode> {
    const input = await filesAndTarget(NAME, this.help, args, io)
    if ('exit' in input) return input.exit
    const { target, table } = input
    await pushTable(table, target, io)
    return EXIT.OK
  },
}
