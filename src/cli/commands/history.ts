/** @module `legate history`: every stored version, newest first, marking the live one. */
import { HELP_OPTION, TARGET_HELP, TARGET_OPTIONS, parse, toTarget } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, type ExitCode } from '../exit-codes.ts'
import { shortSha } from '../format.ts'
import { paint } from '../io.ts'
import { createKvStore, describeTarget, type KvStore } from '../kv-store.ts'
import { rolloutKey } from '../../config/store-keys.ts'
import type { RolloutRecord } from '../../rollout/schema.ts'
import { createProgress } from '../progress.ts'

const NAME = 'history'

/** The rollout records of canary versions (one bulk read; none when no version was a canary). */
async function rolloutRecords(store: KvStore, versions: number[]): Promise<Map<number, RolloutRecord>> {
  const out = new Map<number, RolloutRecord>()
  if (!versions.length) return out
  const values = await store.getMany(versions.map(rolloutKey), 'reading rollout records')
  for (const v of versions) {
    try {
      const r = JSON.parse(values.get(rolloutKey(v)) ?? 'null') as RolloutRecord | null
      if (r && Array.isArray(r.events)) out.set(v, r)
    } catch {
      // an unreadable record only loses its events in this listing
    }
  }
  return out
}

export const historyCommand: Command = {
  name: NAME,
  summary: 'list the stored versions (pushed_at, source, sha) and mark the live one',
  help: `Usage: legate history [--local | --remote] [--env NAME] [--persist-to DIR]

Lists every version in KV, newest first: version, when it was pushed, the start of its sha256 and what
wrote it ("cli", "admin", "rollback of 3", "admin canary"…). The live version (config/current) is marked
with "*". A canary version lists its rollout's transitions (started, steps, promoted, rolled back, aborted)
with their reasons.

${TARGET_HELP}

Options:
  -h, --help           show this help

Exit codes: 0 ok, 2 usage error, 3 wrangler/KV failure.`,

  async run(args, io): Promise<ExitCode> {
    const { values } = parse(NAME, args, { ...HELP_OPTION, ...TARGET_OPTIONS }, false)
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    const target = toTarget(NAME, values)
    const store = createKvStore(target, createProgress(io.stderr))
    const listed = await store.listVersions()
    if (listed.length === 0) {
      io.record?.({ target: describeTarget(target), live_version: null, versions: [] })
      io.out(`no versions in ${describeTarget(target)} yet: run \`legate push routes/\` first.`)
      return EXIT.OK
    }
    // Bodies are read only for versions written without metadata; the pointer comes in the same call.
    const bare = listed.filter((l) => !l.meta).map((l) => l.version)
    const { pointer, stored } = await store.read(bare, 'reading the live version')
    const c = paint(io)
    const rows = [...listed].reverse().map(({ version, meta }) => ({ version, meta: meta ?? stored.get(version) }))
    const rollouts = await rolloutRecords(store, rows.filter((r) => r.meta?.source === 'admin canary').map((r) => r.version))
    io.record?.({
      target: describeTarget(target),
      live_version: pointer?.version ?? null,
      versions: rows.map(({ version, meta: m }) => ({
        version,
        live: pointer?.version === version,
        ...(m ? { pushed_at: m.pushed_at, sha256: m.sha256, source: m.source } : { readable: false }),
        ...(rollouts.has(version) ? { rollout: rollouts.get(version) } : {}),
      })),
    })
    io.out(`  ${'VERSION'.padStart(7)}  ${'PUSHED AT'.padEnd(24)}  ${'SHA'.padEnd(12)}  SOURCE`)
    for (const { version, meta: m } of rows) {
      const row = m
        ? `${String(version).padStart(7)}  ${m.pushed_at.padEnd(24)}  ${shortSha(m.sha256).padEnd(12)}  ${m.source}`
        : `${String(version).padStart(7)}  (listed but not readable)`
      io.out(pointer?.version === version ? c.bold(`* ${row}  (live)`) : `  ${row}`)
      for (const e of rollouts.get(version)?.events ?? []) io.out(`           ${e.at}  canary ${e.kind.replace('_', ' ')} at ${e.weight} %: ${e.reason}`)
    }
    if (!pointer) io.out('No version is live: config/current is missing. Run `legate rollback <version>` or `legate push`.')
    else if (!listed.some((l) => l.version === pointer.version)) io.out(`config/current names version ${pointer.version}, which is not stored.`)
    return EXIT.OK
  },
}
