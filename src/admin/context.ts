/**
 * @module What the admin routes share: their Hono env, their dependencies (the gateway's own isolate state),
 * the validation of a query or JSON body (a bad one is a problem reply), and the 405 helper (Envoy:
 * mutations are POST/PUT only; a GET on them is refused, never acted on).
 */
import type { Context, Hono } from 'hono'
import type * as z from 'zod'
import type { Snapshot } from '../snapshot/compile.ts'
import type { ConfigStore } from '../snapshot/store.ts'
import type { Env } from '../env.ts'
import type { FilterFactory } from '../filters/types.ts'
import { mediaTypeOf } from '../http/headers.ts'
import { problem } from '../http/problem.ts'
import type { StatsFlusher } from '../observability/flush.ts'
import type { Observer } from '../observability/observer.ts'
import type { StatsStore } from '../observability/stats.ts'

export type AdminEnv = { Bindings: Env; Variables: { requestId: string } }
export type AdminApp = Hono<AdminEnv>

/** The isolate state the admin API reads and acts on. */
export interface AdminDeps {
  store: ConfigStore
  stats: StatsStore
  flusher: StatsFlusher
  filters: readonly FilterFactory[]
  observer: Observer
  now: () => number
}

/** The live snapshot (memory after the isolate's first request; the gateway loaded it before dispatching here). */
export async function liveSnapshot(deps: AdminDeps, c: Context<AdminEnv>): Promise<Snapshot | undefined> {
  return await deps.store.current(c.env.CONFIG, (p) => c.executionCtx.waitUntil(p))
}

/** What a schema's safeParse gave: the data, or a 400 problem listing every issue of the query or body. */
function checked<T>(c: Context<AdminEnv>, target: 'query' | 'json', r: z.ZodSafeParseResult<T>): T | Response {
  if (r.success) return r.data
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }))
  return problem({
    code: 'ERR_BAD_REQUEST',
    detail: `invalid ${target}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    requestId: c.get('requestId'),
    extra: { issues },
  })
}

/**
 * The query parameters against `schema` (a parameter given more than once is an array): the data, or a 400
 * problem listing every issue. Written here, not @hono/zod-validator: the Worker's bundle carried that and
 * hono's validator (form data and cookie parsing included) for five routes.
 */
export function validQuery<T>(c: Context<AdminEnv>, schema: z.ZodType<T>): T | Response {
  const raw = Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]))
  return checked(c, 'query', schema.safeParse(raw))
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/

/** A JSON body against `schema`; a body sent as another media type counts as `{}`, one that is not JSON is a 400. */
export async function validJson<T>(c: Context<AdminEnv>, schema: z.ZodType<T>): Promise<T | Response> {
  let value: unknown = {}
  if (JSON_MEDIA.test(mediaTypeOf(c.req.raw.headers))) {
    try {
      value = await c.req.json()
    } catch {
      return problem({ code: 'ERR_BAD_REQUEST', detail: 'the body is not JSON. Send it as JSON (Content-Type: application/json).', requestId: c.get('requestId') })
    }
  }
  return checked(c, 'json', schema.safeParse(value))
}

/** An optional JSON body (rollback, rollout actions): empty is `{}`; anything that is not JSON fails the schema. */
export async function optionalJsonBody<T>(req: Request, schema: z.ZodType<T>): Promise<z.ZodSafeParseResult<T>> {
  const text = await req.text()
  let input: unknown = {}
  try {
    if (text.trim()) input = JSON.parse(text)
  } catch {
    input = null
  }
  return schema.safeParse(input)
}

/** After a path's real handlers: any other method gets 405 with `Allow`. */
export function onlyMethods(app: AdminApp, path: string, allow: readonly string[]): void {
  app.all(path, (c) =>
    problem({
      code: 'ERR_METHOD_NOT_ALLOWED',
      detail: `${c.req.method} ${c.req.path} is not allowed: use ${allow.join(' or ')}.`,
      requestId: c.get('requestId'),
      headers: { allow: allow.join(', ') },
    })
  )
}
