/**
 * @module The stats flusher of one isolate. Each request calls `maybeFlush` (a clock read and a counter); when
 * `flush_interval` has passed or `flush_threshold_requests` were recorded, one flush runs in `ctx.waitUntil`:
 * one RPC to this isolate's Stats shard with everything recorded since the previous flush.
 *
 * Exactly-once accounting: a taken delta becomes a batch with the next seq and stays "outstanding" until a
 * shard acknowledges it. A failed call resends the same batch (same seq, same shard) next time, and the shard
 * ignores a seq it already applied, so a lost reply neither loses nor doubles anything. What an evicted isolate
 * can lose is what it recorded since its last successful flush: at most `flush_threshold_requests` requests,
 * and at most the requests it served in one `flush_interval` if traffic keeps arriving.
 */
import type { Env } from '../env.ts'
import { fnv1a } from '../lib/hash.ts'
import { type StatsBatch, statsShardName } from './aggregate.ts'
import type { StatsSettings } from './config.ts'
import type { StatsStore } from './stats.ts'

export type FlushOutcome = { ok: true; sent: boolean } | { ok: false; error: string }

export interface StatsFlusher {
  /** Per request, after its stats were recorded: schedules a flush in `waitUntil` when one is due. */
  maybeFlush(env: Env, waitUntil: (p: Promise<unknown>) => void, settings: StatsSettings): void
  /** Flushes now (waits for a flush in flight first), e.g. before the admin API reads the shards. */
  flush(env: Env, settings: StatsSettings): Promise<FlushOutcome>
  /** This isolate's id, as the shards see it. */
  readonly source: string
}

export interface FlusherOptions {
  store: StatsStore
  now: () => number
  /** Runs right before a delta is taken (e.g. to copy config counters into the store). */
  beforeFlush?: () => void
  /** @default crypto.randomUUID() */
  source?: string
}

export function createStatsFlusher(options: FlusherOptions): StatsFlusher {
  const { store, now, beforeFlush } = options
  // Lazily: createGateway runs at module scope, where Workers forbid generating random values.
  let source = options.source
  const id = () => (source ??= crypto.randomUUID())
  let lastFlushAt: number | undefined
  let sinceFlush = 0
  let seq = 0
  let outstanding: { batch: StatsBatch; shard: number } | undefined
  let inFlight: Promise<FlushOutcome> | undefined

  async function flushOnce(env: Env, settings: StatsSettings): Promise<FlushOutcome> {
    lastFlushAt = now()
    sinceFlush = 0
    if (!outstanding) {
      beforeFlush?.()
      const delta = store.takeDelta()
      if (!delta) return { ok: true, sent: false }
      outstanding = { batch: { source: id(), seq: ++seq, at: now(), delta }, shard: fnv1a(id()) % settings.shards }
    }
    const { batch, shard } = outstanding
    try {
      const result = await env.STATS.getByName(statsShardName(shard)).flush(batch)
      if (!result.ok) {
        // The shard refused the batch as malformed: resending it cannot help. Count the loss and move on.
        outstanding = undefined
        store.counter('stats.flush_rejected')
        console.error(JSON.stringify({ level: 'error', msg: 'stats batch refused by its shard', code: result.code, message: result.message }))
        return { ok: false, error: result.message }
      }
      outstanding = undefined
      return { ok: true, sent: true }
    } catch (e) {
      store.counter('stats.flush_failed')
      return { ok: false, error: (e as Error).message }
    }
  }

  function start(env: Env, settings: StatsSettings): Promise<FlushOutcome> {
    const p = flushOnce(env, settings).finally(() => {
      inFlight = undefined
    })
    inFlight = p
    return p
  }

  return {
    get source() {
      return id()
    },
    maybeFlush(env, waitUntil, settings) {
      sinceFlush++
      const t = now()
      if (lastFlushAt === undefined) lastFlushAt = t
      if (inFlight) return
      const due = t - lastFlushAt >= settings.flush_interval || (settings.flush_threshold_requests > 0 && sinceFlush >= settings.flush_threshold_requests)
      if (due) waitUntil(start(env, settings))
    },
    async flush(env, settings) {
      if (inFlight) await inFlight
      // An outstanding batch from a failed flush goes first; then what was recorded since.
      const resend = outstanding !== undefined
      const first = await start(env, settings)
      if (!resend || !first.ok) return first
      const second = await start(env, settings)
      return second.ok ? { ok: true, sent: true } : second
    },
  }
}
