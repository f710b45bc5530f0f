/**
 * @module Writes a config version to KV from inside a Worker (admin API, tests): the immutable body first,
 * then the pointer. The CLI and the config coordinator write the same records (`toRecords`).
 */
import { type ConfigPointer, nextVersion, POINTER_KEY, type StoredConfig, versionKey } from './store-keys.ts'

/** KV metadata of a stored version body (`config/v/<N>`): lets `history` and the admin API skip reading bodies. */
export interface VersionMeta {
  pushed_at: string
  source: string
  /** SHA-256 of JSON.stringify(config): identical tables, identical hash. */
  sha256: string
  /** Present when the writer validated the table (src/snapshot/seal.ts): loading it skips validating it again. */
  seal?: string
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** SHA-256 (hex) of the JSON text of a config: identical content, identical hash. */
export const configHash = (config: unknown): Promise<string> => sha256Hex(JSON.stringify(config))

/** The seal of a stored value text under a validator fingerprint (src/snapshot/seal.ts). */
export const sealOf = (valueText: string, fingerprint: string): Promise<string> => sha256Hex(`${fingerprint}\n${valueText}`)

/**
 * Builds the records for `version` (see `nextVersion`): the body's KV key, value text and metadata, and the
 * pointer. `validatedBy`: the fingerprint of the validator that accepted `config` (src/snapshot/seal.ts
 * `validatorFingerprint`), which seals the body; omit it for a table nobody validated.
 */
export async function toRecords(config: unknown, version: number, source: string, now: Date = new Date(), validatedBy?: string) {
  const sha256 = await configHash(config)
  const pushed_at = now.toISOString()
  const stored: StoredConfig = { version, sha256, pushed_at, source, config }
  const value = JSON.stringify(stored)
  const metadata: VersionMeta = { pushed_at, source, sha256 }
  if (validatedBy !== undefined) metadata.seal = await sealOf(value, validatedBy)
  const pointer: ConfigPointer = { version, sha256, pushed_at }
  return { key: versionKey(version), value, metadata, stored, pointer }
}

/** Publishes `config` as the next version; `validatedBy` as in `toRecords`. */
export async function publishConfig(kv: KVNamespace, config: unknown, source: string, validatedBy?: string): Promise<ConfigPointer> {
  const current = await kv.get<ConfigPointer>(POINTER_KEY, 'json')
  const { key, value, metadata, pointer } = await toRecords(config, nextVersion(current), source, new Date(), validatedBy)
  await kv.put(key, value, { metadata })
  await kv.put(POINTER_KEY, JSON.stringify(pointer))
  return pointer
}
