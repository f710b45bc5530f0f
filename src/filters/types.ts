/** @module The filter extension point: what a filter is, what it sees per request. */
import type { z } from 'zod'
import type { RequestContext } from '../context.ts'
import type { ErrorDef } from '../http/problem.ts'
import type { ClusterHandle } from '../upstream/isolate/cluster.ts'

export type { FilterStateMap, Identity, RequestContext, UpstreamOutcome } from '../context.ts'

type MaybePromise<T> = T | Promise<T>

/** A filter built for one route: both phases are optional. */
export interface HttpFilter {
  /**
   * Request phase, in chain order. Returning a Response answers locally: later filters and the upstream
   * are skipped, and the response phase runs only for the filters before this one.
   */
  onRequest?(rc: RequestContext): MaybePromise<Response | void>
  /**
   * Response phase, in reverse chain order. `response` always has mutable headers (the pipeline copies a
   * Response a filter returns, once): set headers on it and return nothing, or return a Response to replace it.
   */
  onResponse?(rc: RequestContext, response: Response): MaybePromise<Response | void>
}

/**
 * Facts a factory may use when it builds a filter. One instance serves every route that inherits the same
 * config, so per-route facts come from the RequestContext (`rc.routeName`), not from here.
 */
export interface FactoryContext {
  /** Where the config came from: "http_filters", "virtual host <name>" or "route <name>". */
  readonly scope: string
  /** The config version's clusters, for filters that call a service (jwt_authn remote JWKS, ext_authz). */
  readonly clusters?: ReadonlyMap<string, ClusterHandle>
}

/** A stat a filter records (through `rc.stats`), for the docs and the conformance kit. */
export interface StatDef {
  readonly type: 'counter' | 'gauge' | 'histogram'
  /** What one increment (or sample) means. */
  readonly help: string
}

/** `{ '<prefix>.<name>': StatDef }` from `{ name: help }`: the usual shape of a filter's `stats`. */
export function declareStats<P extends string, C extends string, H extends string = never>(
  prefix: P,
  counters: Readonly<Record<C, string>>,
  histograms: Readonly<Record<H, string>> = {} as Record<H, string>
): Record<`${P}.${C | H}`, StatDef> {
  const out: Record<string, StatDef> = {}
  for (const [name, help] of Object.entries<string>(counters)) out[`${prefix}.${name}`] = { type: 'counter', help }
  for (const [name, help] of Object.entries<string>(histograms)) out[`${prefix}.${name}`] = { type: 'histogram', help }
  return out as Record<`${P}.${C | H}`, StatDef>
}

/** A named filter: its config schema and a factory that runs once per route per config version. */
export interface FilterFactory<S extends z.ZodType = z.ZodType> {
  /** Stable name used in route tables (`http_filters[].name`, per-route `filters:` keys). Never renamed. */
  readonly name: string
  readonly status: 'stable' | 'alpha'
  /** One line for the README's filter table. */
  readonly description: string
  readonly configSchema: S
  /**
   * The error codes of its local replies (`ERR_…`, unique across the registry), passed to `problem()` as its
   * second argument. Core codes (ERR_BAD_REQUEST, ERR_BODY_TOO_LARGE…) need no declaration.
   */
  readonly errors?: Readonly<Record<string, ErrorDef>>
  /** Every stat it records, by full name (`<filter name>.…`). The conformance kit fails on an undeclared one. */
  readonly stats?: Readonly<Record<string, StatDef>>
  /** Runs at compile time, once per distinct resolved (most specific) config; precompute everything here. */
  create(config: z.output<S>, ctx: FactoryContext): HttpFilter
}

/** Identity helper that keeps the config type flowing from the schema into `create`. */
export const defineFilter = <S extends z.ZodType>(f: FilterFactory<S>): FilterFactory<S> => f

/**
 * Thrown by `create()` when one field of its config cannot be honoured in this config version (a reference to an
 * unknown cluster or provider). `at` is the object holding the field, as `create()` received it (within its
 * config or the inherited `base`): the compile finds it there and reports `<that config's path>.<…>.<field>`.
 * @example throw new FilterConfigError(`unknown cluster "${config.cluster}"`, config, 'cluster')
 */
export class FilterConfigError extends Error {
  override readonly name = 'FilterConfigError'
  constructor(
    message: string,
    readonly at: object,
    readonly field?: string | number
  ) {
    super(message)
  }
}

/** By name as well as by class, so a copy of this module (a user's bundle) is recognised too. */
export const isFilterConfigError = (e: unknown): e is FilterConfigError =>
  e instanceof Error && e.name === 'FilterConfigError' && typeof (e as FilterConfigError).at === 'object'
