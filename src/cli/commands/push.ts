/** @module `legate push <files|dirs…>`: validates, then writes a new version to KV (body first, then pointer). */
import { validatorFingerprint } from '../../snapshot/seal.ts'
import { TARGET_HELP } from '../args.ts'
import type { Command } from '../command.ts'
import { ADMIN_HELP, adminCall, adminTarget, replyError } from '../admin-client.ts'
import { EXIT, type ExitCode, UsageError } from '../exit-codes.ts'
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
  const result = await publish(createKvStore(target, createProgress(io.stderr)), table.raw, 'cli', undefined, await validatorFingerprint(table.filters))
  reportPublish(io, result, target, table.config)
  return result
}

/** Flags that publish through a running gateway's admin API (the config coordinator) instead of writing KV. */
const ADMIN_FLAGS = ['canary', 'steps', 'bake', 'judge-interval', 'assign', 'expect-version', 'url'] as const

/** `legate push … --canary 5 | --expect-version N | --url URL`: one call to PUT /__legate/config. */
async function pushThroughGateway(table: ValidTable, v: Record<string, string | undefined>, io: Io): Promise<ExitCode> {
  const admin = adminTarget(NAME, v.url)
  const query = new URLSearchParams()
  for (const [flag, param] of [['canary', 'canary'], ['steps', 'steps'], ['bake', 'bake'], ['judge-interval', 'judge_interval'], ['assign', 'assign']] as const)
    if (v[flag] !== undefined) query.set(param, v[flag]!)
  const expect = v['expect-version']
  if (expect !== undefined && !/^\d+$/.test(expect)) throw new UsageError('--expect-version takes the version number your change is based on (0: nothing live yet)', NAME)
  const reply = await adminCall(admin, 'PUT', `/config${query.size ? `?${query}` : ''}`, table.raw, expect !== undefined ? { 'if-match': `"${expect}"` } : {})
  if (reply.status !== 200) throw replyError(reply)
  const b = reply.body
  const c = paint(io)
  io.record?.({ status: b.status, target: admin.url, version: b.version, ...(b.status === 'canary' ? { stable_version: b.stable_version, rollout: b.rollout } : {}), summary: summarize(table.config) })
  if (b.status === 'unchanged') io.out(`${c.yellow('unchanged')}: version ${b.version} at ${admin.url} already has this content; nothing written.`)
  else if (b.status === 'canary') {
    const r = b.rollout
    io.out(`${c.green('canary')} version ${b.version} (sha ${shortSha(b.sha256)}) of stable ${b.stable_version} at ${admin.url}: ${r.steps[0]} % of clients, steps ${r.steps.join(' → ')} %, bake ${formatMs(r.bake)} each, then promotion.`)
    io.out('Watch it with `legate rollout status`; stop it with `legate rollout abort`.')
  } else io.out(`${c.green('pushed')} version ${b.version} (sha ${shortSha(b.sha256)}) through ${admin.url}: ${formatSummary(summarize(table.config))}`)
  return EXIT.OK
}

export const pushCommand: Command = {
  name: NAME,
  summary: 'validate route files and make them the live config (local KV by default)',
  help: `Usage: legate push <files|dirs…> [--local | --remote] [--env NAME] [--persist-to DIR] [--filters <module>]
       legate push <files|dirs…> [--canary P | --steps P,P,…] [--bake D] [--assign RULE] [--expect-version N] [--url URL]

Validates the files (exactly as \`legate validate\`; nothing is written when they are invalid), then writes
them as a new version: the body config/v/<version> first, then the pointer config/current. Content identical
to the live version is not written again ("unchanged").

${TARGET_HELP}

Through a running gateway (any of these flags; the gateway's config coordinator numbers versions one at a
time, so concurrent pushes never overwrite each other):
  --canary P           publish as a canary of the live version for P % of clients (sticky), judged against
                       stable on live stats; promoted after --bake if healthy, rolled back at once if not
  --steps 1,5,25,100   several canary steps, each baked
  --bake D             how long each step must stay healthy (default 10m)
  --judge-interval D   how often the gateway judges (default 1m)
  --assign RULE        client (trusted address, default) | header:NAME | cookie:NAME
  --expect-version N   refuse (exit 4) unless N is still the live version: what your change is based on
${ADMIN_HELP}

Options:
  --filters <module>   also accept the filters exported by <module>
  -h, --help           show this help

Exit codes: 0 pushed or unchanged, 1 invalid, 2 usage error, 3 wrangler/KV failure (or gateway unreachable),
4 refused (stale --expect-version, or a rollout is running).`,

  async run(args, io): Promise<ExitCode> {
    const input = await filesAndTarget(NAME, this.help, args, io, [], ADMIN_FLAGS)
    if ('exit' in input) return input.exit
    const { target, table } = input
    if (ADMIN_FLAGS.some((f) => input.strings[f] !== undefined)) return pushThroughGateway(table, input.strings, io)
    await pushTable(table, target, io)
    return EXIT.OK
  },
}
