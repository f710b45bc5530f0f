/** @module `legate diff <files|dirs…>`: what a push would change, path by path, against the live version. */
import { TARGET_HELP } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, type ExitCode } from '../exit-codes.ts'
import { diffFlat, flatten, type FlatDiff } from '../flatten.ts'
import { plural, shortSha } from '../format.ts'
import { paint, type Io } from '../io.ts'
import { createKvStore, describeTarget } from '../kv-store.ts'
import { createProgress } from '../progress.ts'
import { configHash } from '../../config/publish.ts'
import { filesAndTarget } from './validate.ts'

const NAME = 'diff'

/** `+ path = value`, `- path = value`, `~ path: old -> new`, sorted by path. */
export function formatDiff(diff: FlatDiff, io: Io): string[] {
  const c = paint(io)
  const lines: [string, string][] = [
    ...diff.added.map(([p, v]): [string, string] => [p, c.green(`+ ${p} = ${v}`)]),
    ...diff.removed.map(([p, v]): [string, string] => [p, c.red(`- ${p} = ${v}`)]),
    ...diff.changed.map(([p, from, to]): [string, string] => [p, c.yellow(`~ ${p}: ${from} -> ${to}`)]),
  ]
  return lines.sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true })).map(([, line]) => line)
}

export const diffCommand: Command = {
  name: NAME,
  summary: 'show what pushing the files would change, against the live version',
  help: `Usage: legate diff <files|dirs…> [--exit-code] [--local | --remote] [--env NAME] [--persist-to DIR] [--filters <module>]

Validates the files, reads the live version and prints the differences as paths:
  + path = value          only in the files (would be added)
  - path = value          only in the live version (would be removed)
  ~ path: old -> new      changed
Lists of named things (clusters, virtual hosts, routes, filters) are keyed by name: ["users"].

${TARGET_HELP}

Options:
  --exit-code          exit 1 when the files differ from the live version (a drift check for CI)
  --filters <module>   also accept the filters exported by <module>
  -h, --help           show this help

Exit codes: 0 (with or without differences, unless --exit-code), 1 invalid files or, with --exit-code,
differences, 2 usage error, 3 wrangler/KV failure.`,

  async run(args, io): Promise<ExitCode> {
    const input = await filesAndTarget(NAME, this.help, args, io, ['exit-code'])
    if ('exit' in input) return input.exit
    // Like `git diff --exit-code`: 1 when the files differ from the live version.
    const exitCode = input.flags['exit-code'] === true
    const { target, table } = input
    const store = createKvStore(target, createProgress(io.stderr))
    const pointer = await store.readPointer()
    // The pointer carries the live sha: identical content needs no body read.
    const where = describeTarget(target)
    if (pointer && (await configHash(table.raw)) === pointer.sha256) {
      io.record?.({ target: where, live_version: pointer.version, differs: false, added: [], removed: [], changed: [] })
      io.out(`no differences: the files match live version ${pointer.version} (sha ${shortSha(pointer.sha256)}).`)
      return EXIT.OK
    }
    const live = pointer ? (await store.read([pointer.version], `reading version ${pointer.version}`)).stored.get(pointer.version) : undefined
    if (pointer && !live) io.err(`warning: config/current names version ${pointer.version}, which is missing from ${where}`)
    const base = live ? `live version ${live.version} (sha ${shortSha(live.sha256)})` : `an empty ${where} (nothing pushed yet)`
    const diff = diffFlat(flatten(live?.config ?? {}), flatten(table.raw))
    io.out(`Comparing ${table.files.join(', ')} with ${base}:`)
    for (const line of formatDiff(diff, io)) io.out(line)
    if (!diff.added.length && !diff.removed.length && !diff.changed.length)
      io.out('(only the order of keys or list items differs; a push would still write a new version)')
    const { added, removed, changed } = diff
    io.record?.({
      target: where,
      live_version: live?.version ?? null,
      differs: true, // another sha: even a reordering would write a new version
      added: added.map(([path, value]) => ({ path, value })),
      removed: removed.map(([path, value]) => ({ path, value })),
      changed: changed.map(([path, from, to]) => ({ path, from, to })),
    })
    io.out(`${plural(added.length, 'path')} added, ${removed.length} removed, ${changed.length} changed. Run \`legate push\` with the same files to apply.`)
    return exitCode ? EXIT.INVALID : EXIT.OK
  },
}
