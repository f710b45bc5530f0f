/**
 * @module `legate keys create|revoke|list`: API keys for the `api_key` filter, in the CONFIG KV namespace as
 * `apikey/<sha256 hex>` (src/lib/api-keys.ts). The plaintext key is printed once, at creation, and never stored.
 */
import {
  apiKeyRecord,
  apiKeyStorageKey,
  type ApiKeyRecord,
  consumerName,
  generateApiKey,
  hashApiKey,
  KEY_PREFIX_LENGTH,
  parseApiKeyRecord,
  scopeName,
} from '../../lib/api-keys.ts'
import { TARGET_HELP, TARGET_OPTIONS, parse, toTarget } from '../args.ts'
import type { Command } from '../command.ts'
import { CliError, EXIT, UsageError, type ExitCode } from '../exit-codes.ts'
import type { Io } from '../io.ts'
import { createKvStore, describeTarget, type KvStore } from '../kv-store.ts'
import { createProgress } from '../progress.ts'

const NAME = 'keys'
const EXPIRES_RE = /^(\d{1,5})(m|h|d|w)$/
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
/** A prefix shorter than this could match many keys by accident. */
const MIN_PREFIX = 8
const PROPAGATION =
  'Gateways stop accepting it within the api_key cache_ttl (default 30 s), plus up to ~60 s for remote KV to reach every location.'

/** `30d` → now + 30 days; an ISO 8601 time as is. Refuses times in the past. */
export function parseExpires(value: string, now: number): string {
  const m = EXPIRES_RE.exec(value)
  const at = m ? now + Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Date.parse(value)
  if (!Number.isFinite(at) || (!m && !apiKeyRecord.shape.created_at.safeParse(value).success))
    throw new UsageError(`--expires ${JSON.stringify(value)}: expected a duration such as 30d, 12h, 2w or an ISO 8601 time`, NAME)
  if (at <= now) throw new UsageError(`--expires ${value}: that is not in the future`, NAME)
  return new Date(at).toISOString()
}

function status(r: ApiKeyRecord, now: number): string {
  if (!r.enabled) return 'revoked'
  return r.expires_at !== undefined && Date.parse(r.expires_at) <= now ? 'expired' : 'active'
}

async function create(args: readonly string[], io: Io, now: number): Promise<ExitCode> {
  const options = { ...TARGET_OPTIONS, consumer: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' } } as const
  const { values, positionals } = parse(NAME, args, options, true)
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`, NAME)
  if (values.consumer === undefined) throw new UsageError('keys create needs --consumer NAME', NAME)
  const consumer = consumerName.safeParse(values.consumer)
  if (!consumer.success) throw new UsageError(`--consumer: ${consumer.error.issues[0]!.message}`, NAME)
  const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const s of scopes) if (!scopeName.safeParse(s).success) throw new UsageError(`--scopes: "${s}" is not a scope (letters, digits and "._:/-")`, NAME)
  const target = toTarget(NAME, values)
  const key = generateApiKey()
  const record: ApiKeyRecord = {
    consumer: consumer.data,
    scopes: [...new Set(scopes)],
    enabled: true,
    created_at: new Date(now).toISOString(),
    prefix: key.slice(0, KEY_PREFIX_LENGTH),
    ...(values.expires !== undefined ? { expires_at: parseExpires(values.expires, now) } : {}),
  }
  await createKvStore(target, createProgress(io.stderr)).put(apiKeyStorageKey(await hashApiKey(key)), JSON.stringify(record), 'storing the key hash')
  io.err(`created API key ${record.prefix}… for ${record.consumer} in ${describeTarget(target)}`)
  io.err(`  scopes: ${record.scopes.join(', ') || '(none)'}; expires: ${record.expires_at ?? 'never'}`)
  io.err('The key is printed below, once: Legate stores only its SHA-256 and cannot show it again.')
  io.record?.({ key, record, target: describeTarget(target) })
  io.out(key)
  return EXIT.OK
}

/** Every stored key record, by storage key; unreadable values are undefined. */
async function readAll(store: KvStore): Promise<Map<string, ApiKeyRecord | undefined>> {
  const names = await store.listKeys('apikey/', 'listing API keys')
  const values = names.length ? await store.getMany(names, 'reading API keys') : new Map<string, string | null>()
  return new Map(names.map((n) => [n, values.get(n) == null ? undefined : parseApiKeyRecord(values.get(n)!)]))
}

async function list(args: readonly string[], io: Io, now: number): Promise<ExitCode> {
  const { values, positionals } = parse(NAME, args, TARGET_OPTIONS, true)
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`, NAME)
  const target = toTarget(NAME, values)
  const all = await readAll(createKvStore(target, createProgress(io.stderr)))
  io.record?.({ target: describeTarget(target), keys: [...all].map(([name, r]) => (r ? { ...r, status: status(r, now) } : { storage_key: name, readable: false })) })
  if (all.size === 0) {
    io.out(`no API keys in ${describeTarget(target)} yet: create one with \`legate keys create --consumer NAME\`.`)
    return EXIT.OK
  }
  const rows = [...all].sort(([, a], [, b]) => (a?.created_at ?? '').localeCompare(b?.created_at ?? ''))
  io.out(`${'PREFIX'.padEnd(14)}${'CONSUMER'.padEnd(20)}${'STATUS'.padEnd(9)}${'CREATED'.padEnd(26)}${'EXPIRES'.padEnd(26)}SCOPES`)
  for (const [name, r] of rows) {
    if (!r) io.out(`(unreadable record ${name.slice(0, 19)}…)`)
    else io.out(`${r.prefix.padEnd(14)}${r.consumer.padEnd(20)}${status(r, now).padEnd(9)}${r.created_at.padEnd(26)}${(r.expires_at ?? '-').padEnd(26)}${r.scopes.join(',') || '-'}`)
  }
  return EXIT.OK
}

async function revoke(args: readonly string[], io: Io, now: number): Promise<ExitCode> {
  const { values, positionals } = parse(NAME, args, TARGET_OPTIONS, true)
  if (positionals.length !== 1) throw new UsageError('keys revoke needs one key or key prefix (see `legate keys list`)', NAME)
  const arg = positionals[0]!
  const target = toTarget(NAME, values)
  const store = createKvStore(target, createProgress(io.stderr))
  let found: [string, ApiKeyRecord][]
  if (arg.length > KEY_PREFIX_LENGTH) {
    const name = apiKeyStorageKey(await hashApiKey(arg))
    const raw = (await store.getMany([name], 'reading the key')).get(name)
    const r = raw == null ? undefined : parseApiKeyRecord(raw)
    found = r ? [[name, r]] : []
  } else {
    if (arg.length < MIN_PREFIX) throw new UsageError(`"${arg}" is too short: give at least ${MIN_PREFIX} characters of the prefix, or the whole key`, NAME)
    found = [...(await readAll(store))].filter((e): e is [string, ApiKeyRecord] => e[1] !== undefined && e[1].prefix.startsWith(arg))
  }
  if (found.length === 0) throw new CliError(`no API key in ${describeTarget(target)} matches "${arg.slice(0, KEY_PREFIX_LENGTH)}…"`, EXIT.USAGE, ['See `legate keys list`.'])
  if (found.length > 1)
    throw new CliError(`"${arg}" matches ${found.length} keys (${found.map(([, r]) => `${r.prefix} ${r.consumer}`).join(', ')})`, EXIT.USAGE, [
      'Pass the whole key to revoke just one.',
    ])
  const [name, record] = found[0]!
  io.record?.({ target: describeTarget(target), prefix: record.prefix, consumer: record.consumer, already_revoked: !record.enabled })
  if (!record.enabled) {
    io.out(`${record.prefix}… (${record.consumer}) was already revoked${record.revoked_at ? ` at ${record.revoked_at}` : ''}.`)
    return EXIT.OK
  }
  const revoked: ApiKeyRecord = { ...record, enabled: false, revoked_at: new Date(now).toISOString() }
  await store.put(name, JSON.stringify(revoked), 'revoking the key')
  io.out(`revoked ${record.prefix}… (${record.consumer}) in ${describeTarget(target)}.`)
  io.out(PROPAGATION)
  return EXIT.OK
}

const SUBCOMMANDS = { create, list, revoke } as const

export const keysCommand: Command = {
  name: NAME,
  summary: 'create, revoke and list API keys for the api_key filter',
  help: `Usage: legate keys create --consumer NAME [--scopes a,b] [--expires 30d] [target]
       legate keys revoke <key | key prefix> [target]
       legate keys list [target]

create   makes a random key (lgk_…), stores only its SHA-256 with the consumer, scopes and expiry as
         apikey/<sha256> in the CONFIG namespace, and prints the key on stdout, once.
         --expires takes 30m, 12h, 30d, 2w or an ISO 8601 time.
revoke   marks a key revoked (the record stays, for \`keys list\`). Give the whole key, or at least
         ${MIN_PREFIX} characters of its prefix as \`keys list\` shows it. ${PROPAGATION}
list     shows every key: prefix, consumer, status (active, revoked, expired), times and scopes.

${TARGET_HELP}

Options:
  -h, --help           show this help

Exit codes: 0 ok, 2 usage error (or no such key), 3 wrangler/KV failure.`,

  async run(args, io): Promise<ExitCode> {
    const [sub, ...rest] = args
    if (sub === undefined) {
      io.err(this.help)
      return EXIT.USAGE
    }
    if (sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
      io.out(this.help)
      return EXIT.OK
    }
    const handler = SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS]
    if (!handler || !Object.hasOwn(SUBCOMMANDS, sub)) throw new UsageError(`unknown keys subcommand "${sub}" (create, revoke, list)`, NAME)
    return handler(rest, io, Date.now())
  },
}
