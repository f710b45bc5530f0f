/**
 * @module Recorder Durable Object, the flight recorder (native RPC, SQLite storage). One object per route
 * (`route:<name>`) keeps a bounded ring buffer of request summaries; a summary that fired a trigger freezes a
 * snapshot of the buffer up to it, which then collects `capture_after` more summaries. One more object
 * (`index`) lists the snapshots of every route for the admin API. No alarm: nothing is due later.
 */
import { DurableObject } from 'cloudflare:workers'
import * as z from 'zod'
import type { Env } from '../src/env.ts'
import { RECORDER_INDEX, type RecorderBatch, type RecorderSnapshot, type RequestSummary, type SnapshotMeta } from '../src/observability/recorder.ts'
import { exec, migrate } from '../src/lib/sql.ts'

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS ring (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, remaining INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS cooldowns (trigger TEXT PRIMARY KEY, until INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS index_entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)`,
]
/** Entries the index keeps (newest first in `list`). */
export const INDEX_SIZE = 200

const batchSchema = z.object({
  route: z.string().min(1).max(256),
  summaries: z.array(z.object({ at: z.number(), status: z.number().int(), trigger: z.string().optional() }).loose()).max(2000),
  buffer_size: z.number().int().min(1).max(2000),
  capture_after: z.number().int().min(0).max(500),
  max_snapshots: z.number().int().min(1).max(200),
  cooldowns: z.record(z.string(), z.number().min(0)),
})

type Fail = { ok: false; code: 'ERR_RECORDER_BATCH_INVALID' | 'ERR_SNAPSHOT_NOT_FOUND'; message: string }

export class Recorder extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, MIGRATIONS))
  }

  /** Appends summaries to the ring; freezes a snapshot for each that fired a trigger outside its cooldown. */
  async record(input: RecorderBatch): Promise<{ ok: true; frozen: string[] } | Fail> {
    const parsed = batchSchema.safeParse(input)
    if (!parsed.success) return { ok: false, code: 'ERR_RECORDER_BATCH_INVALID', message: parsed.error.issues[0]?.message ?? 'invalid batch' }
    const batch = parsed.data as unknown as RecorderBatch
    const sql = this.ctx.storage.sql
    const frozen = this.ctx.storage.transactionSync(() => {
      const open = exec<{ id: string; body: string; remaining: number }>(sql, 'SELECT id, body, remaining FROM snapshots WHERE remaining > 0').map((r) => ({
        id: r.id,
        snap: JSON.parse(r.body) as RecorderSnapshot,
        remaining: r.remaining,
      }))
      const created: RecorderSnapshot[] = []
      for (const s of batch.summaries) {
        exec(sql, 'INSERT INTO ring (body) VALUES (?)', JSON.stringify(s))
        for (const o of open)
          if (o.remaining > 0) {
            o.snap.after.push(s)
            o.remaining--
          }
        if (s.trigger === undefined) continue
        const until = exec<{ until: number }>(sql, 'SELECT until FROM cooldowns WHERE trigger = ?', s.trigger)[0]?.until ?? 0
        if (until > s.at) continue
        exec(sql, 'INSERT INTO cooldowns (trigger, until) VALUES (?, ?) ON CONFLICT (trigger) DO UPDATE SET until = excluded.until', s.trigger, s.at + (batch.cooldowns[s.trigger] ?? 60_000))
        const before = exec<{ body: string }>(sql, 'SELECT body FROM ring ORDER BY seq DESC LIMIT ?', batch.buffer_size)
          .map((r) => JSON.parse(r.body) as RequestSummary)
          .reverse()
        const snap: RecorderSnapshot = { id: crypto.randomUUID(), route: batch.route, trigger: s.trigger, at: s.at, event: s, before, after: [], collecting: batch.capture_after > 0 }
        created.push(snap)
        open.push({ id: snap.id, snap, remaining: batch.capture_after })
      }
      for (const o of open) {
        o.snap.collecting = o.remaining > 0
        const body = JSON.stringify(o.snap)
        exec(sql, 'INSERT INTO snapshots (id, body, remaining) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, remaining = excluded.remaining', o.id, body, o.remaining)
      }
      exec(sql, 'DELETE FROM ring WHERE seq <= (SELECT MAX(seq) FROM ring) - ?', batch.buffer_size)
      exec(sql, 'DELETE FROM snapshots WHERE seq <= (SELECT MAX(seq) FROM snapshots) - ?', batch.max_snapshots)
      return created
    })
    if (frozen.length) {
      const index = this.env.RECORDER.getByName(RECORDER_INDEX)
      for (const s of frozen)
        await index.note({ id: s.id, route: s.route, trigger: s.trigger, at: s.at, status: s.event.status, path: s.event.path }).catch(() => undefined)
    }
    return { ok: true, frozen: frozen.map((s) => s.id) }
  }

  /** A snapshot of this route by id. */
  snapshot(id: string): { ok: true; snapshot: RecorderSnapshot } | Fail {
    const row = exec<{ body: string }>(this.ctx.storage.sql, 'SELECT body FROM snapshots WHERE id = ?', id)[0]
    return row ? { ok: true, snapshot: JSON.parse(row.body) as RecorderSnapshot } : { ok: false, code: 'ERR_SNAPSHOT_NOT_FOUND', message: `no snapshot ${id}` }
  }

  /** This route's ring buffer, oldest first. */
  buffer(): { ok: true; summaries: RequestSummary[] } {
    const rows = exec<{ body: string }>(this.ctx.storage.sql, 'SELECT body FROM ring ORDER BY seq')
    return { ok: true, summaries: rows.map((r) => JSON.parse(r.body) as RequestSummary) }
  }

  /** (index object) Remembers a snapshot for the list view. */
  note(meta: SnapshotMeta): { ok: true } {
    const sql = this.ctx.storage.sql
    exec(sql, 'INSERT INTO index_entries (body) VALUES (?)', JSON.stringify(meta))
    exec(sql, 'DELETE FROM index_entries WHERE seq <= (SELECT MAX(seq) FROM index_entries) - ?', INDEX_SIZE)
    return { ok: true }
  }

  /** (index object) Snapshots of every route, newest first. */
  list(): { ok: true; snapshots: SnapshotMeta[] } {
    const rows = exec<{ body: string }>(this.ctx.storage.sql, 'SELECT body FROM index_entries ORDER BY seq DESC')
    return { ok: true, snapshots: rows.map((r) => JSON.parse(r.body) as SnapshotMeta) }
  }
}
