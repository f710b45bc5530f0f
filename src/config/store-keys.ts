/**
 * @module KV layout for config. Bodies are immutable and versioned; one pointer names the live version, so a
 * reader never sees half a config. Versions only move forward: a rollback writes a new version with old content.
 *
 *   config/current        -> ConfigPointer (JSON)
 *   config/v/<0000000042> -> StoredConfig (JSON)
 */
export const POINTER_KEY = 'config/current'
export const VERSION_PREFIX = 'config/v/'

/** Zero-padded so a KV list by prefix returns versions in order. */
export const versionKey = (version: number) => `${VERSION_PREFIX}${String(version).padStart(10, '0')}`

export interface ConfigPointer {
  version: number
  sha256: string
  pushed_at: string
}

export interface StoredConfig {
  version: number
  /** SHA-256 (hex) of JSON.stringify(config). */
  sha256: string
  pushed_at: string
  /** Who wrote it: "cli", "admin", "rollback of 7"… */
  source: string
  /** The merged route table as written by the user (before defaults), validated before it was stored. */
  config: unknown
}
