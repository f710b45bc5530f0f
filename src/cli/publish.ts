/**
 * @module Writes a new config version: the immutable body `config/v/<version>` first, then the pointer
 * `config/current`, so a reader never sees a pointer to a missing body. Identical content is not written again.
 */
import { createHash } from 'node:crypto'
import { POINTER_KEY, versionKey, type ConfigPointer, type StoredConfig } from '../config/store-keys.ts'
import type { KvStore } from './kv-store.ts'

/** SHA-256 (hex) of JSON.stringify(config), as stored in StoredConfig and ConfigPointer. */
export const configSha = (config: unknown) => createHash('sha256').update(JSON.stringify(config)).digest('hex')

export type PublishResult =
  | { status: 'unchanged'; live: ConfigPointer }
  | { status: 'published'; pointer: ConfigPointer; previous: ConfigPointer | null }

/**
 * @param config the merged table as written (no defaults), already validated
 * @param source who wrote it: "cli", "rollback of 3"
 * @param current the live pointer if the caller already read it; read from KV otherwise
 */
export async function publish(
  store: KvStore,
  config: unknown,
  source: string,
  current?: ConfigPointer | null
): Promise<PublishResult> {
  const sha256 = configSha(config)
  const live = current === undefined ? await store.readPointer() : current
  if (live?.sha256 === sha256) return { status: 'unchanged', live }
  const version = (live?.version ?? 0) + 1
  const pushed_at = new Date().toISOString()
  const body: StoredConfig = { version, sha256, pushed_at, source, config }
  await store.put(versionKey(version), JSON.stringify(body), `writing version ${version}`)
  const pointer: ConfigPointer = { version, sha256, pushed_at }
  await store.put(POINTER_KEY, JSON.stringify(pointer), `making version ${version} live`)
  return { status: 'published', pointer, previous: live }
}
