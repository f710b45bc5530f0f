/**
 * @module Stats Durable Object: one shard of the gateway's stats (native RPC, SQLite storage). Isolates flush
 * deltas here (one call per isolate per flush interval, each isolate to its own shard); the admin API reads
 * every shard and merges them (src/observability/aggregate.ts). A batch is applied at most once: the shard
 * remembers the last seq applied per isolate, so a resend after a lost reply is a no-op.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../src/env.ts'
import { type StatsBatch, statsBatchSchema, type StatsSnapshot } from '../src/observability/aggregate.ts'
import type { HistogramData } from '../src/observability/histogram.ts'
import { exec, migrate } from '../src/lib/sql.ts'

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value REAL NOT NULL);
   CREATE TABLE IF NOT EXISTS gauges (name TEXT PRIMARY KEY, value REAL NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS histograms (name TEXT PRIMARY KEY, count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL);
   CREATE TABLE IF NOT EXISTS histogram_buckets (name TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (name, bucket));
   CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS sources_at ON sources (at)`,
]

/** Isolates silent for this long are forgotten (their resends would no longer be recognised). */
export const SOURCE_RETENTION_MS = 7 * 24 * 3600_000

export type StatsFlushResult = { ok: true; applied: boolean } | { ok: false; code: 'ERR_STATS_BATCH_INVALID'; message: string }

export class Stats extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, MIGRATIONS))
  }

  /** Applies one isolate's delta, unless this (source, seq) was already applied. */
  flush(input: StatsBatch): StatsFlushResult {
    const parsed = statsBatchSchema.safeParse(input)
    if (!parsed.success) return { ok: false, code: 'ERR_STATS_BATCH_INVALID', message: parsed.error.issues[0]?.message ?? 'invalid batch' }
    const batch = parsed.data as StatsBatch
    const sql = this.ctx.storage.sql
    return this.ctx.storage.transactionSync(() => {
      const last = exec<{ seq: number }>(sql, 'SELECT seq FROM sources WHERE source = ?', batch.source)[0]?.seq ?? 0
      if (batch.seq <= last) return { ok: true, applied: false }
      exec(sql, 'INSERT INTO sources (source, seq, at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET seq = excluded.seq, at = excluded.at', batch.source, batch.seq, batch.at)
      exec(sql, 'DELETE FROM sources WHERE at < ?', batch.at - SOURCE_RETENTION_MS)
      const { counters, gauges, histograms } = batch.delta
      for (const [name, v] of Object.entries(counters))
        exec(sql, 'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value', name, v)
      for (const [name, v] of Object.entries(gauges))
        exec(sql, 'INSERT INTO gauges (name, value, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = excluded.at WHERE excluded.at >= gauges.at', name, v, batch.at)
      for (const [name, h] of Object.entries(histograms)) {
        exec(
          sql,
          `INSERT INTO histograms (name, count, sum, min, max) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET
             count = count + excluded.count, sum = sum + excluded.sum, min = MIN(min, excluded.min), max = MAX(max, excluded.max)`,
          name, h.count, h.sum, h.min, h.max
        )
        for (const [bucket, n] of Object.entries(h.buckets))
          exec(sql, 'INSERT INTO histogram_buckets (name, bucket, count) VALUES (?, ?, ?) ON CONFLICT (name, bucket) DO UPDATE SET count = count + excluded.count', name, Number(bucket), n)
      }
      return { ok: true, applied: true }
    })
  }

  /** Everything this shard holds. */
  snapshot(): { ok: true; snapshot: StatsSnapshot } {
    const sql = this.ctx.storage.sql
    const snapshot: StatsSnapshot = { counters: {}, gauges: {}, histograms: {} }
    for (const r of exec<{ name: string; value: number }>(sql, 'SELECT name, value FROM counters')) snapshot.counters[r.name] = r.value
    for (const r of exec<{ name: string; value: number; at: number }>(sql, 'SELECT name, value, at FROM gauges'))
      snapshot.gauges[r.name] = { value: r.value, at: r.at }
    for (const r of exec<{ name: string; count: number; sum: number; min: number; max: number }>(sql, 'SELECT name, count, sum, min, max FROM histograms'))
      snapshot.histograms[r.name] = { count: r.count, sum: r.sum, min: r.min, max: r.max, buckets: {} } satisfies HistogramData
    for (const r of exec<{ name: string; bucket: number; count: number }>(sql, 'SELECT name, bucket, count FROM histogram_buckets')) {
      const h = snapshot.histograms[r.name]
      if (h) h.buckets[r.bucket] = r.count
    }
    return { ok: true, snapshot }
  }

  /** Envoy's POST /reset_counters for this shard: counters and histograms back to zero; gauges are kept. */
  reset(): { ok: true } {
    const sql = this.ctx.storage.sql
    this.ctx.storage.transactionSync(() => {
      exec(sql, 'DELETE FROM counters')
      exec(sql, 'DELETE FROM histograms')
      exec(sql, 'DELETE FROM histogram_buckets')
    })
    return { ok: true }
  }
}
