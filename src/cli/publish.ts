/**
 * @module Writes a new config version through wrangler: the immutable body `config/v/<version>` first (with the
 * same metadata the admin API writes), then the pointer `config/current`, so a reader never sees a pointer to
 * a missing body. Identical content is not written again. Records come from src/config/publish.ts.
 */
import { configHash, toRecords } from '../config/publish.ts'
import { nextVersion, POINTER_KEY, type ConfigPointer } from '../config/store-keys.ts'
import type { KvStore } from './kv-store.ts'
import { CliError, EXIT } from './exit-codes.ts'

export type PublishResult =
  | { status: 'unchanged'; live: ConfigPointer }
  | { status: 'published'; pointer: ConfigPointer; previous: ConfigPointer | null }

/**
 * @param config the merged table as written (no defaults), already validated
 * @param source who wrote it: "cli", "rollback of 3"
 * @param current the live pointer if the caller already read it; read from KV otherwise
 * @param validatedBy the fingerprint of the validator that accepted it (src/snapshot/seal.ts), which seals the body
 */
export async function publish(
  store: KvStore,
  config: unknown,
  source: string,
  current: ConfigPointer | null | undefined,
  validatedBy: string
): Promise<PublishResult> {
  const live = current === undefined ? await store.readPointer() : current
  // Writing the pointer directly would end the rollout behind the coordinator's back.
  if (live?.rollout)
    throw new CliError(`a canary rollout of version ${live.rollout.canary.version} is running: publish through the gateway (--url) once it ends, or end it with \`legate rollout promote|abort\``, EXIT.REFUSED)
  if (live?.sha256 === (await configHash(config))) return { status: 'unchanged', live }
  const { key, value, metadata, stored, pointer } = await toRecords(config, nextVersion(live), source, new Date(), validatedBy)
  await store.put(key, value, `writing version ${stored.version}`, metadata)
  await store.put(POINTER_KEY, JSON.stringify(pointer), `making version ${stored.version} live`)
  return { status: 'published', pointer, previous: live }
}
