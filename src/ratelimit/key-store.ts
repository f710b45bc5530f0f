/**
 * @module The RateLimiter object's key table: states live in memory (the object is single-threaded, so memory is the
 * truth) and are written behind to SQLite in batches, so a request never waits for a storage write (and is never
 * billed one). What a restarted object can lose: the changes since the last flush (at most `FLUSH_MS`).
 */
import { exec, migrate } from '../lib/sql.ts'
import type { LimitState } from './limit.ts'

/** Numbered, append-only, idempotent. */
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS rl_keys (key TEXT PRIMARY KEY, state TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS rl_keys_expires ON rl_keys (expires_at)`,
]

/** Clean entries kept in memory beyond this are dropped (they are in SQLite). */
const MAX_CACHED = 20_000

interface Entry {
  /** Undefined: deleted (the key became idle), to be removed from SQLite at the next flush. */
  state: LimitState | undefined
  expiresAt: number
}

/** One object's keys: a write-behind cache over the `rl_keys` table. */
export class KeyStore {
  readonly #sql: SqlStorage
  readonly #cache = new Map<string, Entry>()
  readonly #dirty = new Set<string>()

  constructor(sql: SqlStorage) {
    this.#sql = sql
    migrate(sql, MIGRATIONS)
  }

  /** Changes not yet in SQLite. */
  get dirty(): number {
    return this.#dirty.size
  }

  get(key: string): LimitState | undefined {
    const hit = this.#cache.get(key)
    if (hit) return hit.state
    const row = exec<{ state: string; expires_at: number }>(this.#sql, 'SELECT state, expires_at FROM rl_keys WHERE key = ?', key)[0]
    const state = row ? (JSON.parse(row.state) as LimitState) : undefined
    if (row) this.#cache.set(key, { state, expiresAt: row.expires_at })
    return state
  }

  /** Sets (or, with `state` undefined, deletes) a key; written at the next flush. */
  set(key: string, state: LimitState | undefined, expiresAt: number): void {
    this.#cache.set(key, { state, expiresAt })
    this.#dirty.add(key)
  }

  /** Writes every change in one batch, then trims the memory cache. */
  flush(): void {
    for (const key of this.#dirty) {
      const e = this.#cache.get(key)
      if (!e?.state) exec(this.#sql, 'DELETE FROM rl_keys WHERE key = ?', key)
      else
        exec(
          this.#sql,
          'INSERT INTO rl_keys (key, state, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at',
          key,
          JSON.stringify(e.state),
          e.expiresAt
        )
      if (e && !e.state) this.#cache.delete(key)
    }
    this.#dirty.clear()
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= MAX_CACHED) break
      this.#cache.delete(key)
    }
  }

  /** Deletes (memory and SQLite) every flushed key that expired at `now`. Call after {@link flush}. */
  expire(now: number): void {
    exec(this.#sql, 'DELETE FROM rl_keys WHERE expires_at <= ?', now)
    for (const [key, e] of this.#cache) if (e.expiresAt <= now && !this.#dirty.has(key)) this.#cache.delete(key)
  }

  /** The earliest expiry in SQLite, or null when it holds no key. */
  nextExpiry(): number | null {
    return exec<{ t: number | null }>(this.#sql, 'SELECT MIN(expires_at) AS t FROM rl_keys')[0]?.t ?? null
  }

}
