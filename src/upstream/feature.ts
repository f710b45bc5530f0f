/** @module The record of one cluster feature (issue 15 §3): its config fields, shared part, per-isolate setup, status view and stats. */
import type * as z from 'zod'
import type { RequestContext } from '../context.ts'
import type { Stats } from '../observability/stats.ts'
import type { Random } from './request/backoff.ts'
import type { ClusterRuntime, Endpoint } from './isolate/cluster.ts'
import type { Merged } from './features/index.ts'

/**
 * The types a feature contributes, merged by src/upstream/features/index.ts into the core's state and views:
 * `spec` its config in the spec the object receives; `endpoint` and `cluster` the object's per-endpoint and
 * per-cluster state slots; `snapshotEndpoint` and `snapshot` what it adds to the snapshot isolates cache; `local`
 * and `view` the isolate's own state and its arrays of the snapshot (by endpoint index); `endpointStatus` and
 * `status` what /__legate/clusters shows.
 */
export interface FeatureTypes {
  config: unknown
  spec?: object
  endpoint?: object
  cluster?: object
  snapshotEndpoint?: object
  snapshot?: object
  local?: object
  view?: object
  endpointStatus?: object
  status?: object
}

type Part<T extends FeatureTypes, K extends keyof FeatureTypes> = T[K] extends object ? T[K] : Record<never, never>
/** A snapshot endpoint as a feature reads it: the key and every feature's fields. */
export type SnapshotEndpointOf = { key: string } & Merged<'snapshotEndpoint'>

/** What a shared hook gets: its config, its state slots in the ClusterHealth object, a counter of object stats. */
export interface SharedCtx<T extends FeatureTypes, C = T['config']> {
  readonly config: C
  /** This feature's per-endpoint slots, by endpoint index. */
  readonly endpoints: readonly Part<T, 'endpoint'>[]
  /** This feature's per-cluster slots (the object keeps whatever the hooks leave here). */
  readonly cluster: Part<T, 'cluster'>
  readonly random: Random
  count(stat: string, n?: number): void
}

/** How the object probes an endpoint (service binding or URL); the feature decides what to send. */
export type ProbeFetch = (endpoint: { key: string; url?: string; service?: string }, url: string, init: RequestInit) => Promise<Response>

/** The part the cluster's ClusterHealth Durable Object runs: state slots and how reports fold into them. */
export interface SharedPart<T extends FeatureTypes, R = unknown> {
  /** Key of the feature's config in the spec isolates send the object. */
  readonly specKey: string
  /** Per-endpoint state, one object per slot name; stored as JSON under the slot name. */
  endpoint?(): Part<T, 'endpoint'>
  /** Per-cluster state; stored in the object's state row under its slot names. */
  cluster?(): Part<T, 'cluster'>
  /** Whether the cluster state restarts when the config goes from `before` to `after`. */
  restart?(before: T['config'] | undefined, after: T['config']): boolean
  /** Isolates report their attempt outcomes when this feature is on. */
  readonly outcomes?: boolean
  /** One reported outcome; `index` is undefined for an endpoint the object does not know. */
  record?(ctx: SharedCtx<T>, index: number | undefined, code: number, ms: number, at: number): void
  /** Timed transitions, after each report on the reporters' clock. */
  tick?(ctx: SharedCtx<T>, now: number): void
  /** Work of the object's alarm (active checks): when next, what to fetch, how to apply the results. */
  readonly alarm?: {
    delay(config: T['config'], random: Random): number
    run(config: T['config'], spec: { name: string; endpoints: { key: string; url?: string; service?: string }[] }, fetch: ProbeFetch): Promise<R>
    apply(ctx: SharedCtx<T>, results: R, passed: (index: number) => boolean): void
  }
  /** An active check passed endpoint `index`: returns true when that returned it to rotation. */
  onActivePass?(ctx: SharedCtx<T, T['config'] | undefined>, index: number): boolean
  /** Adds the feature's fields to one snapshot endpoint. */
  endpointView?(slot: Part<T, 'endpoint'>, now: number): Part<T, 'snapshotEndpoint'>
  /** Adds the feature's fields to the snapshot (also when it is off). */
  view?(ctx: SharedCtx<T, T['config'] | undefined>, now: number): Part<T, 'snapshot'>
}

/** The per-isolate hooks of one cluster runtime; all optional, built once per config version. */
export interface IsolateHooks {
  /** 0 when endpoint `i` may be picked, else until when it is out (Infinity: until the next snapshot). */
  out?(i: number, now: number): number
  /** One attempt outcome: local bookkeeping, and its stats when `stats` is given. */
  record?(i: number, code: number, now: number, stats?: Stats): void
  /** A local reply when the request may not go upstream now. */
  admit?(rc: RequestContext, now: number): Response | undefined
  /** Adopts endpoint `i` of a fresh snapshot; returns whether availability may have changed. */
  adopt?(i: number, e: SnapshotEndpointOf): boolean
}

/** The part each isolate runs. */
export interface IsolatePart<T extends FeatureTypes> {
  /** Per-isolate state, kept in ClusterState across config versions with the same endpoints. */
  local?(n: number): Part<T, 'local'>
  /** Per-isolate arrays of the shared snapshot, kept in ClusterState.shared. */
  view?(n: number): Part<T, 'view'>
  /** Hooks of one runtime; `config` is undefined when the cluster does not use the feature. */
  setup(rt: ClusterRuntime, config: T['config'] | undefined): IsolateHooks
}

/** What /__legate/clusters shows; called for every cluster, `config` undefined when the feature is off. */
export interface StatusPart<T extends FeatureTypes> {
  endpoint?(rt: ClusterRuntime, config: T['config'] | undefined, e: Endpoint, shot: SnapshotEndpointOf | undefined, now: number): Part<T, 'endpointStatus'>
  cluster?(rt: ClusterRuntime, config: T['config'] | undefined, now: number): Part<T, 'status'>
}

/** One cluster feature: everything about it, in one record (see docs/architecture.md, Adding a cluster feature). */
export interface ClusterFeature<T extends FeatureTypes = FeatureTypes, F extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string
  /** Cluster config fields (a zod shape fragment, merged into the cluster schema in list order). */
  readonly fields: F
  /** The field of a parsed cluster that holds the feature's config; the feature is off when it is unset. */
  readonly key: keyof F & string
  /** The stats (isolate, under `cluster.<name>.`) and object counters (`shared.` in the status) it counts; `<reason>` is a variable part. */
  readonly stats: readonly string[]
  readonly shared?: SharedPart<T, any>
  readonly isolate?: IsolatePart<T>
  readonly status?: StatusPart<T>
}

/** Identity, for inference: `defineFeature<{ config: …; endpoint: … }>()({ … })` keeps the fields' own types. */
export const defineFeature =
  <T extends FeatureTypes>() =>
  <F extends z.ZodRawShape>(f: ClusterFeature<T, F>): ClusterFeature<T, F> =>
    f

/** A feature of any types, as the core iterates them. */
export type AnyFeature = ClusterFeature<any, any>
