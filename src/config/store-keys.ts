/**
 * @module KV layout for config. Bodies are immutable and versioned; one pointer names the live version, so a
 * reader never sees half a config. Versions only move forward: a rollback writes a new version with old content.
 *
 *   config/current        -> ConfigPointer (JSON): the stable version, and the canary while a rollout runs
 *   config/v/<0000000042> -> StoredConfig (JSON)
 *   config/rollouts/<0000000043> -> RolloutRecord (JSON): the rollout of canary version 43, its transitions and reasons
 */
import type { RolloutState } from '../rollout/schema.ts'

export const POINTER_KEY = 'config/current'
export const VERSION_PREFIX = 'config/v/'

/** Zero-padded so a KV list by prefix returns versions in order. */
export const versionKey = (version: number) => `${VERSION_PREFIX}${String(version).padStart(10, '0')}`

export interface ConfigPointer {
  /** The stable version: every request outside a running rollout's canary slice. */
  version: number
  sha256: string
  pushed_at: string
  /** A running canary rollout (written only by the config coordinator, durable/config-coordinator.ts). */
  rollout?: RolloutState
  /**
   * The highest version number assigned so far, when above `version` (a running canary, or one that was aborted or
   * rolled back keeps its number and its body): a writer numbers after it, so no stored body is ever replaced.
   */
  latest_version?: number
}

/** The number the next published version gets. */
export const nextVersion = (p: ConfigPointer | null | undefined): number => Math.max(p?.version ?? 0, p?.latest_version ?? 0) + 1

export const ROLLOUT_PREFIX = 'config/rollouts/'
/** By canary version: a version is published once, so it is the canary of at most one rollout. */
export const rolloutKey = (canaryVersion: number) => `${ROLLOUT_PREFIX}${String(canaryVersion).padStart(10, '0')}`

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
