/**
 * @module The protocol between the isolates (admin API) and the config coordinator (durable/config-coordinator.ts):
 * what a publish carries and what comes back. A publish based on a version that is no longer live is refused with
 * the versions published since, so the caller can say what changed in between.
 */
import type { ConfigPointer } from '../config/store-keys.ts'
import type { RolloutEvent, RolloutOptions, RolloutRecord } from './schema.ts'

export interface PublishRequest {
  /** The merged table as written, already validated by the caller. */
  config: unknown
  /** "admin", "cli", "rollback of 7"… */
  source: string
  /** Refuse unless this is the live (stable) version: 0 for "nothing was pushed yet". */
  expectVersion?: number
  /** Publish as a canary of the live version instead of replacing it. */
  rollout?: RolloutOptions
  /** Stats shards to read when judging (from the config's observability.stats.shards). */
  statsShards: number
  /** The fingerprint of the validator that accepted `config`: the stored body is sealed with it (src/snapshot/seal.ts). */
  validatedBy?: string
}

export interface PublishLogEntry {
  version: number
  source: string
  pushed_at: string
}

export type Refusal = { ok: false; code: 'ERR_CONFIG_CONFLICT' | 'ERR_ROLLOUT_CONFLICT'; message: string; live_version?: number | null; published_since?: PublishLogEntry[] }

export type PublishResult =
  | { ok: true; status: 'published'; pointer: ConfigPointer; previous: number | null }
  | { ok: true; status: 'canary'; pointer: ConfigPointer; previous: number }
  | { ok: true; status: 'unchanged'; pointer: ConfigPointer }
  | Refusal

export type RolloutActionResult = { ok: true; pointer: ConfigPointer; event: RolloutEvent } | Refusal

/** The refusal of a publish based on `expected` while `live` is live. */
export function staleRefusal(expected: number, live: ConfigPointer | null, log: readonly PublishLogEntry[]): Refusal {
  const since = log.filter((e) => e.version > expected)
  const what = since.length ? `; published since: ${since.map((e) => `${e.version} (${e.source}, ${e.pushed_at})`).join(', ')}` : ''
  return {
    ok: false,
    code: 'ERR_CONFIG_CONFLICT',
    message: `this publish is based on version ${expected}, but version ${live?.version ?? 0} is live${what}. Pull the live version (legate pull), merge your change and push again.`,
    live_version: live?.version ?? null,
    published_since: since,
  }
}

/** What the coordinator reports: the pointer, the running (or last) rollout and when it judges next. */
export interface CoordinatorStatus {
  pointer: ConfigPointer | null
  rollout: RolloutRecord | null
  next_judgement_at: string | null
}
