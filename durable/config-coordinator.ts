/**
 * @module ConfigCoordinator Durable Object (one per gateway, `getByName('config')`): every publish through the
 * admin API (push, rollback, canary) and every rollout transition goes through it, one at a time, so version
 * numbers are assigned once and a publish based on a stale version is refused (KV has no compare-and-swap). It
 * writes KV (body first, then the pointer); isolates keep reading KV and never wait on this object. While a
 * rollout runs, its alarm judges the canary from the Stats shards (src/rollout/judge.ts) every
 * `judge_interval`: a tripped guardrail rolls back at once; a healthy step that has baked moves on; the last
 * step promotes. State lives in storage, so a rollout survives restarts.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../src/env.ts'
import { toRecords } from '../src/config/publish.ts'
import { type ConfigPointer, nextVersion, POINTER_KEY, rolloutKey } from '../src/config/store-keys.ts'
import { emptySnapshot, type StatsSnapshot } from '../src/observability/aggregate.ts'
import { readShards } from '../src/observability/read.ts'
import { recorderName } from '../src/observability/recorder.ts'
import { figuresFor, judge, rolloutPart, type Trip } from '../src/rollout/judge.ts'
import { canaryWeight, type RolloutEvent, type RolloutOptions, type RolloutRecord, type RolloutState } from '../src/rollout/schema.ts'
import { type CoordinatorStatus, type PublishLogEntry, type PublishRequest, type PublishResult, type RolloutActionResult, staleRefusal } from '../src/rollout/publish-protocol.ts'

/** Publishes remembered for the "what changed since" answer of a refused publish. */
const LOG_SIZE = 100

export class ConfigCoordinator extends DurableObject<Env> {
  /** Clock; tests replace it (runInDurableObject) instead of waiting. */
  now: () => number = () => Date.now()
  private queue: Promise<unknown> = Promise.resolve()

  /** Runs one operation at a time: KV writes are I/O, which would otherwise let calls interleave. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op)
    this.queue = run.catch(() => {})
    return run
  }

  /** The pointer as last written here, or KV's when someone wrote KV directly since (the CLI without --url). */
  private async pointer(): Promise<ConfigPointer | null> {
    const mine = (await this.ctx.storage.get<ConfigPointer>('pointer')) ?? null
    const kv = await this.env.CONFIG.get<ConfigPointer>(POINTER_KEY, 'json').catch(() => null)
    if (kv && (!mine || kv.version > mine.version)) return kv
    return mine
  }

  /** Writes the pointer with the highest number assigned so far, so a KV-direct writer never reuses a canary's. */
  private async writePointer(p: ConfigPointer): Promise<void> {
    const { latest_version: _, ...rest } = p
    const latest = Math.max((await this.ctx.storage.get<number>('last_version')) ?? 0, p.rollout?.canary.version ?? 0)
    const next: ConfigPointer = latest > p.version ? { ...rest, latest_version: latest } : rest
    await this.env.CONFIG.put(POINTER_KEY, JSON.stringify(next))
    await this.ctx.storage.put('pointer', next)
  }

  private async record(r: RolloutRecord): Promise<void> {
    await this.ctx.storage.put('rollout', r)
    await this.env.CONFIG.put(rolloutKey(r.canary), JSON.stringify(r))
  }

  /** Validated by the caller. Assigns the next version, writes the body, then the pointer (or starts a rollout). */
  publish(req: PublishRequest): Promise<PublishResult> {
    return this.serial(async () => {
      const live = await this.pointer()
      const log = (await this.ctx.storage.get<PublishLogEntry[]>('log')) ?? []
      if (req.expectVersion !== undefined && (live?.version ?? 0) !== req.expectVersion) return staleRefusal(req.expectVersion, live, log)
      if (live?.rollout)
        return { ok: false, code: 'ERR_ROLLOUT_CONFLICT', message: `a rollout of version ${live.rollout.canary.version} is running; promote or abort it first (legate rollout promote|abort).` }
      if (req.rollout && !live) return { ok: false, code: 'ERR_ROLLOUT_CONFLICT', message: 'nothing is live yet, so there is no stable version to compare a canary with: publish without --canary first.' }
      const version = Math.max(nextVersion(live), ((await this.ctx.storage.get<number>('last_version')) ?? 0) + 1)
      const { key, value, metadata, stored, pointer } = await toRecords(req.config, version, req.source, new Date(this.now()), req.validatedBy)
      if (live && live.sha256 === stored.sha256) return { ok: true, status: 'unchanged', pointer: live }
      await this.env.CONFIG.put(key, value, { metadata })
      await this.ctx.storage.put('last_version', stored.version)
      await this.ctx.storage.put('log', [...log, { version: stored.version, source: req.source, pushed_at: stored.pushed_at }].slice(-LOG_SIZE))
      if (!req.rollout || !live) {
        await this.writePointer(pointer)
        return { ok: true, status: 'published', pointer, previous: live?.version ?? null }
      }
      const state = await this.startRollout(live, pointer, req.rollout, req.statsShards)
      return { ok: true, status: 'canary', pointer: { ...live, rollout: state }, previous: live.version }
    })
  }

  private async startRollout(live: ConfigPointer, canary: ConfigPointer, options: RolloutOptions, statsShards: number): Promise<RolloutState> {
    const at = new Date(this.now()).toISOString()
    const state: RolloutState = { ...options, id: `${canary.version}-${this.now().toString(36)}`, canary: { version: canary.version, sha256: canary.sha256 }, step: 0, started_at: at, step_started_at: at, stats_shards: statsShards }
    await this.resetBaseline(state, live.version)
    await this.writePointer({ ...live, rollout: state })
    await this.record({ id: state.id, stable: live.version, canary: canary.version, state: 'running', options, events: [{ at, kind: 'started', weight: canaryWeight(state), reason: `canary of version ${canary.version} at ${canaryWeight(state)} %` }] })
    await this.ctx.storage.setAlarm(this.now() + state.judge_interval)
    return state
  }

  private async resetBaseline(r: RolloutState, stable: number): Promise<void> {
    const { snapshot } = await readShards(this.env, r.stats_shards)
    await this.ctx.storage.put('baseline', rolloutPart(snapshot, [stable, r.canary.version]))
  }

  /** The pointer, the running (or last) rollout and its last judgement. */
  async status(): Promise<CoordinatorStatus> {
    const alarm = await this.ctx.storage.getAlarm()
    return { pointer: await this.pointer(), rollout: (await this.ctx.storage.get<RolloutRecord>('rollout')) ?? null, next_judgement_at: alarm ? new Date(alarm).toISOString() : null }
  }

  promote(reason: string): Promise<RolloutActionResult> {
    return this.serial(() => this.end('promoted', reason))
  }

  abort(reason: string): Promise<RolloutActionResult> {
    return this.serial(() => this.end('aborted', reason))
  }

  /** Ends the running rollout: promoted (the canary becomes stable) or not (stable alone again). */
  private async end(kind: 'promoted' | 'aborted' | 'rolled_back', reason: string, trip?: Trip, recent?: unknown[]): Promise<RolloutActionResult> {
    const live = await this.pointer()
    const r = live?.rollout
    if (!live || !r) return { ok: false, code: 'ERR_ROLLOUT_CONFLICT', message: 'no rollout is running.' }
    const at = new Date(this.now()).toISOString()
    const next: ConfigPointer = kind === 'promoted' ? { version: r.canary.version, sha256: r.canary.sha256, pushed_at: at } : { version: live.version, sha256: live.sha256, pushed_at: live.pushed_at }
    await this.writePointer(next)
    await this.ctx.storage.deleteAlarm()
    const record = (await this.ctx.storage.get<RolloutRecord>('rollout'))!
    const event: RolloutEvent = { at, kind, weight: kind === 'promoted' ? 100 : 0, reason, ...(trip ? { trip } : {}), ...(recent ? { recent_requests: recent } : {}) }
    await this.record({ ...record, state: kind, events: [...record.events, event] })
    return { ok: true, pointer: next, event }
  }

  /** Judges the running rollout and acts on the verdict. */
  override async alarm(): Promise<void> {
    await this.serial(async () => {
      const live = await this.pointer()
      const r = live?.rollout
      if (!live || !r) return
      const { snapshot } = await readShards(this.env, r.stats_shards)
      const base = (await this.ctx.storage.get<StatsSnapshot>('baseline')) ?? emptySnapshot()
      const canary = figuresFor(r.canary.version, snapshot, base)
      const stable = figuresFor(live.version, snapshot, base)
      const verdict = judge(canary, stable, r.guardrails)
      const at = new Date(this.now()).toISOString()
      const record = (await this.ctx.storage.get<RolloutRecord>('rollout'))!
      await this.record({ ...record, last_judgement: { at, verdict, canary, stable } })
      if (verdict.kind === 'trip') {
        await this.end('rolled_back', `guardrail tripped: ${verdict.trip.detail}`, verdict.trip, await this.recentRequests(verdict.trip.worst_route ?? verdict.trip.scope, r.canary.version))
        return
      }
      const baked = this.now() - Date.parse(r.step_started_at) >= r.bake
      if (verdict.kind === 'healthy' && baked) {
        if (r.step + 1 >= r.steps.length) {
          await this.end('promoted', `healthy through ${r.steps.length} step(s); last judgement: ${canary.total} canary requests within every guardrail`)
          return
        }
        const state: RolloutState = { ...r, step: r.step + 1, step_started_at: at }
        await this.resetBaseline(state, live.version)
        await this.writePointer({ ...live, rollout: state })
        await this.record({ ...record, last_judgement: { at, verdict, canary, stable }, events: [...record.events, { at, kind: 'step', weight: canaryWeight(state), reason: `step ${r.step + 1} healthy for ${Math.round(r.bake / 1000)} s (${canary.total} canary requests): ${canaryWeight(state)} %` }] })
      }
      await this.ctx.storage.setAlarm(this.now() + r.judge_interval)
    })
  }

  /**
   * The flight recorder's latest canary requests on the route that tripped, or for an overall trip the route with
   * the most failures (none when the recorder is off there): what an operator reads first after a rollback.
   */
  private async recentRequests(scope: string, canary: number): Promise<unknown[] | undefined> {
    const i = scope.indexOf('~')
    if (i < 0) return undefined
    try {
      const res = await this.env.RECORDER.getByName(recorderName(scope.slice(i + 1))).buffer()
      const mine = res.summaries.filter((s) => s.config_version === canary).slice(-20)
      return mine.length ? mine : undefined
    } catch {
      return undefined
    }
  }
}
