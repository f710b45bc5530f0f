/**
 * @module Writes a config version to KV from inside a Worker (admin API, tests): the immutable body first,
 * then the pointer. The CLI writes the same records through wrangler (src/cli).
 */
import { type ConfigPointer, nextVersion, POINTER_KEY, type StoredConfig, versionKey } from './store-keys.ts'

/** SHA-256 (hex) of the JSON text of a config: identical content, identical hash. */
export async function configHash(config: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(config)))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Builds the records for `version` (see `nextVersion`). */
export async function toRecords(config: unknown, version: number, source: string, now: Date = new Date()) {
  const sha256 = await configHash(config)
  const pushed_at = now.toISOString()
  const stored: StoredConfig = { version, sha256, pushed_at, source, config }
  const pointer: ConfigPointer = { version, sha256, pushed_at }
  return { key: versionKey(version), stored, pointer }
}

/** Publishes `config` (already validated by the caller) as the next version. */
export async function publishConfig(kv: KVNamespace, config: unknown, source: string): Promise<ConfigPointer> {
  const current = await kv.get<ConfigPointer>(POINTER_KEY, 'json')
  const { key, stored, pointer } = await toRecords(config, nextVersion(current), source)
  await kv.put(key, JSON.stringify(stored), { metadata: { pushed_at: pointer.pushed_at, source, sha256: pointer.sha256 } })
  await kv.put(POINTER_KEY, JSON.stringify(pointer))
  return pointer
}
