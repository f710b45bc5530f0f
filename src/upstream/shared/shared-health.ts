/**
 * @module The shared state of one cluster, as the ClusterHealth Durable Object holds it, and the pure functions
 * it runs: apply the cluster spec an isolate sends, fold a batch of reported outcomes into each cluster feature's
 * state (src/upstream/features/), apply a round of a feature's alarm work, and render the snapshot isolates cache.
 */
import * as z from 'zod'
import type { Random } from '../request/backoff.ts'
import type { AnyFeature, SharedCtx } from '../feature.ts'
import { CLUSTER_FEATURES, type Merged } from '../features/index.ts'

/** What the object needs to know about its cluster; isolates build it at compile time and send it as JSON. */
export type ClusterSpec = {
  name: string
  endpoints: { key: string; url?: string; service?: string }[]
} & Merged<'spec'>

/** One endpoint's state: its key and every feature's slots. */
export type EndpointShared = { key: string } & Merged<'endpoint'>

export interface SharedDoc {
  /** Config version of the spec in force; older isolates' specs never replace it. */
  version: number
  specJson: string
  spec: ClusterSpec | null
  endpoints: EndpointShared[]
  /** Every feature's per-cluster slots. */
  cluster: Merged<'cluster'>
  /** The object's own clock at the last report (idle objects stop their checks). */
  lastContact: number
  /** The config version that removed the cluster; reports from that version or older are ignored. */
  retiredVersion: number
  counters: Record<string, number>
}

/** A batch of outcomes from one isolate: `outcomes` is flat `[endpointIndex, code, ms, at]` quadruples. */
export const reportBatch = z.strictObject({
  version: z.number().int().min(0),
  spec: z.string().max(100_000),
  now: z.number(),
  outcomes: z.array(z.number()).max(4 * 2000).refine((a) => a.length % 4 === 0, 'outcomes come in quadruples'),
})
export type ReportBatch = z.output<typeof reportBatch>

const specShape = z.looseObject({ name: z.string(), endpoints: z.array(z.looseObject({ key: z.string() })).min(1) })

/** The snapshot isolates cache: everything they need to route, and what the status page shows. */
export type HealthSnapshot = {
  version: number
  at: number
  endpoints: ({ key: string } & Merged<'snapshotEndpoint'>)[]
  counters: Record<string, number>
} & Merged<'snapshot'>

const features: readonly AnyFeature[] = CLUSTER_FEATURES

/** A fresh endpoint: every feature's initial per-endpoint slots. */
export function createEndpoint(key: string): EndpointShared {
  const e: Record<string, unknown> = { key }
  for (const f of features) if (f.shared?.endpoint) Object.assign(e, f.shared.endpoint())
  return e as EndpointShared
}

/** Every feature's initial per-cluster slots. */
export function createClusterSlots(): Merged<'cluster'> {
  const k: Record<string, unknown> = {}
  for (const f of features) if (f.shared?.cluster) Object.assign(k, f.shared.cluster())
  return k as Merged<'cluster'>
}

export function createSharedDoc(): SharedDoc {
  return { version: -1, specJson: '', spec: null, endpoints: [], cluster: createClusterSlots(), lastContact: 0, retiredVersion: -1, counters: {} }
}

/** A feature's config in a spec; undefined when the cluster does not use it. */
export const configIn = (spec: ClusterSpec | null | undefined, f: AnyFeature): unknown =>
  spec && f.shared ? (spec as Record<string, unknown>)[f.shared.specKey] : undefined

/** What a feature's shared hooks see of the doc. */
function ctxOf(doc: SharedDoc, f: AnyFeature, random: Random): SharedCtx<any> {
  return {
    config: configIn(doc.spec, f),
    endpoints: doc.endpoints,
    cluster: doc.cluster,
    random,
    count: (name, n = 1) => void (doc.counters[name] = (doc.counters[name] ?? 0) + n),
  }
}

/** The features the doc's spec turns on, with their contexts. */
const on = (doc: SharedDoc, random: Random) => features.filter((f) => configIn(doc.spec, f) !== undefined).map((f) => ({ f, ctx: ctxOf(doc, f, random) }))

/** Parses a spec string; undefined when it is not one. */
export function parseSpec(json: string): ClusterSpec | undefined {
  try {
    const parsed = specShape.safeParse(JSON.parse(json))
    return parsed.success ? (parsed.data as unknown as ClusterSpec) : undefined
  } catch {
    return undefined
  }
}

/**
 * Adopts a newer spec: endpoints that stay keep their state, new ones start fresh, removed ones go; a feature
 * whose config changed may restart its cluster state.
 * @returns whether the spec changed.
 */
export function applySpec(doc: SharedDoc, version: number, specJson: string, spec: ClusterSpec): boolean {
  if (specJson === doc.specJson || version < doc.version) return false
  const old = new Map(doc.endpoints.map((e) => [e.key, e]))
  doc.endpoints = spec.endpoints.map((e) => old.get(e.key) ?? createEndpoint(e.key))
  for (const f of features)
    if (f.shared?.cluster && f.shared.restart?.(configIn(doc.spec, f), configIn(spec, f))) Object.assign(doc.cluster, f.shared.cluster())
  doc.version = version
  doc.specJson = specJson
  doc.spec = spec
  return true
}

/** Folds one batch into the doc. `keys` are the sender's endpoint keys, by index. */
export function applyReport(doc: SharedDoc, keys: readonly string[], batch: ReportBatch, random: Random): void {
  if (!doc.spec) return
  const active = on(doc, random)
  const recorders = active.filter((x) => x.f.shared!.record)
  const byKey = new Map(doc.endpoints.map((e, i) => [e.key, i]))
  const o = batch.outcomes
  for (let j = 0; j + 3 < o.length; j += 4) {
    const i = byKey.get(keys[o[j]!] ?? '')
    for (const { f, ctx } of recorders) f.shared!.record!(ctx, i, o[j + 1]!, o[j + 2]!, o[j + 3]!)
  }
  tick(active, batch.now)
}

/** Runs every feature's timed transitions (outlier sweeps, the breaker's half-open) on the reporters' clock. */
export function sweepIfDue(doc: SharedDoc, now: number, random: Random): void {
  tick(on(doc, random), now)
}

function tick(active: ReturnType<typeof on>, now: number): void {
  for (const { f, ctx } of active) f.shared!.tick?.(ctx, now)
}

/** The features whose alarm work the spec turns on (active health checks). */
export const alarmFeatures = (spec: ClusterSpec | null): AnyFeature[] => features.filter((f) => f.shared?.alarm && configIn(spec, f) !== undefined)

/**
 * Applies one round of a feature's alarm work (by default the first feature with alarm work that is on); a feature
 * that returns an endpoint to rotation tells the others (`onActivePass`).
 */
export function applyProbes(doc: SharedDoc, results: unknown, feature: AnyFeature | undefined = alarmFeatures(doc.spec)[0], random: Random = Math.random): void {
  if (!feature || configIn(doc.spec, feature) === undefined) return
  const others = features.filter((f) => f.shared?.onActivePass).map((f) => ({ f, ctx: ctxOf(doc, f, random) }))
  const passed = (i: number) => {
    let back = false
    for (const { f, ctx } of others) back = f.shared!.onActivePass!(ctx, i) || back
    return back
  }
  feature.shared!.alarm!.apply(ctxOf(doc, feature, random), results, passed)
}

export function toSnapshot(doc: SharedDoc, now: number): HealthSnapshot {
  const snap: Record<string, unknown> = {
    version: doc.version,
    at: now,
    endpoints: doc.endpoints.map((e) => {
      const out: Record<string, unknown> = { key: e.key }
      for (const f of features) if (f.shared?.endpointView) Object.assign(out, f.shared.endpointView(e, now))
      return out
    }),
    counters: { ...doc.counters },
  }
  for (const f of features) if (f.shared?.view) Object.assign(snap, f.shared.view(ctxOf(doc, f, Math.random), now))
  return snap as HealthSnapshot
}
