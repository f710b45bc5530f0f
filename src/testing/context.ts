/**
 * @module Building blocks for testing a filter outside the gateway: a RequestContext built as the pipeline builds
 * it, and `run()`, one filter through request phase, upstream and response phase with the pipeline's guarantees.
 */
import type { z } from 'zod'
import type { RequestContext } from '../context.ts'
import type { Env } from '../env.ts'
import type { FactoryContext, FilterFactory, HttpFilter } from '../filters/types.ts'
import { createStatsStore } from '../observability/stats.ts'
import { ownedResponse } from '../http/owned-response.ts'

/** What a test request looks like; everything has a default. */
export interface ContextInit {
  /** Absolute, or a path on https://gw.test. @default '/' */
  url?: string
  /** @default 'GET' */
  method?: string
  headers?: HeadersInit
  body?: BodyInit | null
  /** @default 'req-1' */
  requestId?: string
  /** @default '203.0.113.7' */
  clientAddress?: string
  /** @default 'vh/0' */
  routeName?: string
  /** @default Date.parse('2026-11-26T12:00:00Z') */
  startedAt?: number
  /** The Worker's bindings (in vitest-pool-workers: `env` from 'cloudflare:workers'). @default {} */
  env?: Env
}

export const FACTORY_CTX: FactoryContext = { scope: 'http_filters' }
export const STARTED_AT = Date.parse('2026-11-26T12:00:00Z')

/** Client copies of these are removed from the upstream headers at ingress, as the core does. */
const INTERNAL_PREFIXES = ['x-envoy-', 'x-legate-']

/** Reasons passed to rc.abortUpstream by filters under test, most recent last. */
export const aborted: Error[] = []

/** Builds a RequestContext: `headers` is a sanitized copy of the request's, `body` is the request's stream. */
export function makeContext(init: ContextInit = {}): RequestContext {
  const url = (init.url ?? '/').startsWith('http') ? init.url! : `https://gw.test${init.url ?? '/'}`
  const request = new Request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body ?? null })
  const headers = new Headers()
  for (const [k, v] of request.headers) if (!INTERNAL_PREFIXES.some((p) => k.startsWith(p))) headers.append(k, v)
  return {
    request,
    url: new URL(request.url),
    headers,
    header: (name) => headers.get(name),
    deleteHeader: (name) => headers.delete(name),
    body: request.body,
    method: request.method,
    requestId: init.requestId ?? 'req-1',
    clientAddress: init.clientAddress ?? '203.0.113.7',
    routeName: init.routeName ?? 'vh/0',
    vhostName: 'vh',
    env: init.env ?? ({} as Env),
    waitUntil: () => {},
    flags: new Set(),
    identity: {},
    stats: createStatsStore(),
    state: {},
    startedAt: init.startedAt ?? STARTED_AT,
    abortUpstream(reason) {
      aborted.push(reason)
    },
  }
}

/** Parses `input` with the filter's schema (throwing on invalid configs) and creates the filter. */
export function build<S extends z.ZodType>(factory: FilterFactory<S>, input: unknown = {}, ctx: FactoryContext = FACTORY_CTX): HttpFilter {
  return factory.create(factory.configSchema.parse(input), ctx)
}

export type Upstream = (rc: RequestContext) => Response | Promise<Response>

/** The default upstream: 200 "upstream". */
export const okUpstream: Upstream = () => new Response('upstream', { status: 200, headers: { 'content-type': 'text/plain' } })

export interface RunResult {
  response: Response
  /** The filter answered in its request phase. */
  local: boolean
  /** What the upstream saw, when it was called. */
  upstreamRc?: RequestContext
}

/**
 * Runs one filter as the pipeline does: request phase, the upstream unless answered locally, response phase; a
 * Response the filter or the upstream hands back is made mutable first, as src/pipeline.ts does.
 */
export async function run(filter: HttpFilter, rc: RequestContext, upstream: Upstream = okUpstream): Promise<RunResult> {
  const local = (await filter.onRequest?.(rc)) ?? undefined
  if (local) return { response: ownedResponse(local), local: true }
  const response = ownedResponse(await upstream(rc))
  const replaced = (await filter.onResponse?.(rc, response)) ?? response
  return { response: replaced === response ? response : ownedResponse(replaced), local: false, upstreamRc: rc }
}

/** Recursively freezes an object graph (configs after parsing), so any mutation throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
