/**
 * @module The config store (src/config/store-keys.ts layout) through wrangler's KV commands, locally or remotely.
 * Reads use `kv bulk get`, which reports a missing key as null both locally and remotely (`kv key get` prints
 * "Value not found" locally but fails remotely), and reads many keys in one wrangler start (~1.5 s each).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { POINTER_KEY, VERSION_PREFIX, versionKey, type ConfigPointer, type StoredConfig } from '../config/store-keys.ts'
import { KvError, UsageError } from './exit-codes.ts'
import type { Progress } from './progress.ts'
import { runWrangler } from './wrangler.ts'

/** Which KV namespace: the local simulation (a persist directory) or Cloudflare's, optionally for a wrangler env. */
export type KvTarget = { mode: 'local'; persistTo: string; env?: string } | { mode: 'remote'; env?: string }

/** KV metadata on a body key, as src/config/publish.ts writes it: lets `history` skip reading bodies. */
import type { VersionMeta } from '../config/publish.ts'
export type { VersionMeta }
export interface ListedVersion {
  version: number
  meta: VersionMeta | undefined
}

/** The remote bulk-get API takes at most 100 keys per call. */
const BULK_GET_MAX = 100

/** `local KV at /repo/.wrangler/state`, `remote KV [env staging]`. */
export const describeTarget = (t: KvTarget) =>
  `${t.mode} KV${t.mode === 'local' ? ` at ${t.persistTo}` : ''}${t.env ? ` [env ${t.env}]` : ''}`

export function createKvStore(target: KvTarget, progress: Progress) {
  const common = [
    '--binding', 'CONFIG',
    target.mode === 'local' ? '--local' : '--remote',
    ...(target.env ? ['--env', target.env] : []),
    ...(target.mode === 'local' ? ['--persist-to', target.persistTo] : []),
  ]
  const where = describeTarget(target)

  async function withTempFile<T>(name: string, content: string, use: (path: string) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), 'legate-'))
    try {
      const path = join(dir, name)
      writeFileSync(path, content)
      return await use(path)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  /** Values by key; null for a missing key. */
  async function getMany(keys: readonly string[], label: string): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>()
    for (let i = 0; i < keys.length; i += BULK_GET_MAX) {
      const chunk = keys.slice(i, i + BULK_GET_MAX)
      const stdout = await withTempFile('keys.json', JSON.stringify(chunk), (file) =>
        progress.run(`${label}: ${where}`, () => runWrangler(['kv', 'bulk', 'get', file, ...common]))
      )
      const values = parseJsonOutput(stdout, '{', '}') as Record<string, unknown>
      // Local prints { key: { value } }; the remote API returns { key: value }.
      for (const key of chunk) {
        const v = values[key]
        const value = v !== null && typeof v === 'object' ? (v as { value?: unknown }).value : v
        out.set(key, typeof value === 'string' ? value : null)
      }
    }
    return out
  }

  return {
    /**
     * The live pointer (null when nothing was pushed) and the requested versions (missing ones are absent
     * from the map), in one wrangler call.
     */
    async read(versions: readonly number[], label: string): Promise<{ pointer: ConfigPointer | null; stored: Map<number, StoredConfig> }> {
      const values = await getMany([POINTER_KEY, ...versions.map(versionKey)], label)
      const raw = values.get(POINTER_KEY)
      const pointer = raw == null ? null : parseStored<ConfigPointer>(POINTER_KEY, raw, isPointer)
      const stored = new Map<number, StoredConfig>()
      for (const v of versions) {
        const body = values.get(versionKey(v))
        if (body != null) stored.set(v, parseStored<StoredConfig>(versionKey(v), body, isStored))
      }
      return { pointer, stored }
    },

    /**
     * The live pointer and one stored version, which `choose(pointer)` names (and may refuse with a UsageError).
     * A `requested` version is read in the same wrangler call as the pointer; any other after it. A missing body
     * is the caller's mistake when asked for by number (UsageError for `command`), an inconsistent store
     * otherwise (KvError).
     */
    async readVersion(requested: number | undefined, choose: (pointer: ConfigPointer | null) => number, command: string) {
      const first = await this.read(requested ? [requested] : [], 'reading the live version')
      const version = choose(first.pointer)
      const stored = version === requested ? first.stored : (await this.read([version], `reading version ${version}`)).stored
      const body = stored.get(version)
      if (!body) {
        const message = `version ${version} is not in ${where} (see \`legate history\`)`
        throw requested ? new UsageError(message, command) : new KvError(message)
      }
      return { pointer: first.pointer, version, body }
    },

    /** The live pointer, or null when nothing was ever pushed. */
    async readPointer(): Promise<ConfigPointer | null> {
      return (await this.read([], 'reading the live version')).pointer
    },

    /** Every stored version, ascending, with the metadata its writer attached (if any). */
    async listVersions(): Promise<ListedVersion[]> {
      const stdout = await progress.run(`listing stored versions: ${where}`, () =>
        runWrangler(['kv', 'key', 'list', '--prefix', VERSION_PREFIX, ...common])
      )
      const keys = parseJsonOutput(stdout, '[', ']') as { name: string; metadata?: unknown }[]
      return keys
        .map((k) => ({ version: Number(k.name.slice(VERSION_PREFIX.length)), meta: isMeta(k.metadata) ? k.metadata : undefined }))
        .filter((k) => Number.isInteger(k.version) && k.version > 0)
        .sort((a, b) => a.version - b.version)
    },

    /** Values by key (null for a missing one), read in bulk. */
    getMany,

    /** Names of every key starting with `prefix`, sorted. */
    async listKeys(prefix: string, label: string): Promise<string[]> {
      const stdout = await progress.run(`${label}: ${where}`, () => runWrangler(['kv', 'key', 'list', '--prefix', prefix, ...common]))
      const keys = parseJsonOutput(stdout, '[', ']') as { name: string }[]
      return keys.map((k) => k.name).filter((n) => n.startsWith(prefix)).sort()
    },

    /** Writes one key from a temp file (`--path`, so large values never go through argv). */
    async put(key: string, value: string, label: string, metadata?: VersionMeta): Promise<void> {
      const meta = metadata ? ['--metadata', JSON.stringify(metadata)] : []
      await withTempFile('value.json', value, (file) =>
        progress.run(`${label}: ${where}`, () => runWrangler(['kv', 'key', 'put', key, '--path', file, ...meta, ...common]))
      )
    },
  }
}
export type KvStore = ReturnType<typeof createKvStore>

/** wrangler prints the JSON, and sometimes a "Success!" line after it. */
function parseJsonOutput(stdout: string, open: string, close: string): unknown {
  const start = stdout.indexOf(open)
  const end = stdout.lastIndexOf(close)
  try {
    if (start < 0 || end < start) throw new Error('no JSON in the output')
    return JSON.parse(stdout.slice(start, end + 1))
  } catch (e) {
    throw new KvError(`could not read wrangler's output: ${(e as Error).message}`, [`  wrangler printed: ${stdout.slice(0, 200)}`])
  }
}

function parseStored<T>(key: string, raw: string, check: (v: unknown) => boolean): T {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    value = undefined
  }
  if (!check(value)) throw new KvError(`KV key ${key} does not hold what Legate stores there (not written by legate?)`)
  return value as T
}

const isPointer = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && Number.isInteger((v as ConfigPointer).version) && typeof (v as ConfigPointer).sha256 === 'string'
const isMeta = (v: unknown): v is VersionMeta =>
  typeof v === 'object' && v !== null && ['pushed_at', 'source', 'sha256'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string')
const isStored = (v: unknown): boolean => isPointer(v) && 'config' in (v as object)
