/**
 * @module ClusterHealth Durable Object: one per cluster (`env.CLUSTER_HEALTH.getByName(<cluster name>)`). Holds
 * the shared state of every cluster feature (src/upstream/features/: ejections, the failure-rate breaker, active
 * check verdicts) in SQLite. Isolates call `report(batch)` in the background with their outcomes and their view
 * of the cluster (the spec), and get the snapshot back; the one alarm runs the features' timed work (health-check
 * rounds). The math is in src/upstream/.
 */
import { DurableObject } from 'cloudflare:workers'
import * as z from 'zod'
import type { Env } from '../src/env.ts'
import type { ProbeFetch } from '../src/upstream/feature.ts'
import {
  alarmFeatures,
  applyProbes,
  applyReport,
  applySpec,
  type ClusterSpec,
  configIn,
  createSharedDoc,
  type HealthSnapshot,
  parseSpec,
  type ReportBatch,
  reportBatch,
  type SharedDoc,
  toSnapshot,
} from '../src/upstream/shared/shared-health.ts'
import { loadDoc, migrate, saveDoc } from './cluster-health-store.ts'

/** An object no isolate has talked to for this long stops its health checks (a removed cluster, or no traffic). */
export const IDLE_MS = 15 * 60_000

export type ReportResult = { ok: true; snapshot: HealthSnapshot } | { ok: false; code: 'ERR_BAD_REPORT'; message: string }

export class ClusterHealth extends DurableObject<Env> {
  #doc: SharedDoc = createSharedDoc()
  #alarmArmed = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql)
      this.#doc = loadDoc(ctx.storage.sql)
      this.#alarmArmed = (await ctx.storage.getAlarm()) !== null
    })
  }

  /** Folds a batch of outcomes in, adopts a newer spec, and returns the snapshot. */
  async report(input: ReportBatch): Promise<ReportResult> {
    const parsed = reportBatch.safeParse(input)
    if (!parsed.success) return { ok: false, code: 'ERR_BAD_REPORT', message: z.prettifyError(parsed.error) }
    const batch = parsed.data
    const doc = this.#doc
    // An isolate still on a version that had the cluster: answer, but do not bring the object back.
    if (batch.version <= doc.retiredVersion) return { ok: true, snapshot: toSnapshot(doc, batch.now) }
    let spec: ClusterSpec | undefined = batch.spec === doc.specJson ? (doc.spec ?? undefined) : parseSpec(batch.spec)
    if (!spec) return { ok: false, code: 'ERR_BAD_REPORT', message: 'spec is not a cluster spec' }
    const specChanged = applySpec(doc, batch.version, batch.spec, spec)
    if (specChanged) spec = doc.spec!
    applyReport(doc, spec.endpoints.map((e) => e.key), batch, Math.random)
    doc.lastContact = Date.now()
    saveDoc(this.ctx.storage.sql, doc, specChanged)
    await this.#arm()
    return { ok: true, snapshot: toSnapshot(doc, batch.now) }
  }

  /** The current state, for isolates and the admin API. `now` is the caller's clock (default: this one's). */
  async snapshot(now?: number): Promise<{ ok: true; snapshot: HealthSnapshot }> {
    return { ok: true, snapshot: toSnapshot(this.#doc, now ?? Date.now()) }
  }

  /** Config `version` no longer has the cluster: stop the alarm and forget its state. Idempotent. */
  async retire(version: number): Promise<{ ok: true }> {
    if (version <= this.#doc.retiredVersion) return { ok: true }
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    migrate(this.ctx.storage.sql)
    this.#doc = createSharedDoc()
    this.#doc.retiredVersion = version
    saveDoc(this.ctx.storage.sql, this.#doc, true)
    this.#alarmArmed = false
    return { ok: true }
  }

  /** One round of the features' alarm work (health checks), then the next alarm. A repeated round only probes again. */
  override async alarm(): Promise<void> {
    this.#alarmArmed = false
    const spec = this.#doc.spec
    const work = alarmFeatures(spec)
    if (!spec || !work.length) return
    if (Date.now() - this.#doc.lastContact > IDLE_MS) {
      console.log(JSON.stringify({ level: 'info', msg: 'cluster health idle, checks stopped', cluster: spec.name }))
      return
    }
    const rounds = await Promise.all(work.map((f) => f.shared!.alarm!.run(configIn(spec, f), spec, this.#fetch)))
    // The spec may have changed while probing: apply only to the same endpoint list.
    if (this.#doc.spec === spec) {
      work.forEach((f, k) => applyProbes(this.#doc, rounds[k], f))
      saveDoc(this.ctx.storage.sql, this.#doc, false)
    }
    await this.#arm()
  }

  /** Arms the alarm for the soonest alarm work of the features that are on, or clears it when there is none. */
  async #arm(): Promise<void> {
    const spec = this.#doc.spec
    const delays = alarmFeatures(spec).map((f) => f.shared!.alarm!.delay(configIn(spec, f), Math.random))
    if (!delays.length) {
      if (this.#alarmArmed) await this.ctx.storage.deleteAlarm()
      this.#alarmArmed = false
      return
    }
    if (this.#alarmArmed) return
    this.#alarmArmed = true
    await this.ctx.storage.setAlarm(Date.now() + Math.min(...delays))
  }

  /** Fetches from an endpoint: its service binding when it has one, else its URL. */
  #fetch: ProbeFetch = (e, url, init) => {
    if (!e.service) return fetch(url, init)
    const fetcher = this.env[e.service] as Fetcher | undefined
    if (!fetcher) return Promise.reject(new Error(`no service binding ${e.service}`))
    return fetcher.fetch(url, init)
  }
}
