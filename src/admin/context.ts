/**
 * @module What the admin routes share: their Hono env, their dependencies (the gateway's own isolate state),
 * the zod-validator hook that turns a bad query or body into a problem reply, and the 405 helper (Envoy:
 * mutations are POST/PUT only; a GET on them is refused, never acted on).
 */
import type { Context, Hono } from 'hono'
import type * as z from 'zod'
import type { Snapshot } from '../snapshot/compile.ts'
import type { ConfigStore } from '../snapshot/store.ts'
import type { Env } from '../env.ts'
import type { FilterFactory } from '../filters/types.ts'
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

interface ValidationResult {
  success: boolean
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }
  target: string
}

/** zValidator hook: an invalid query or body is a 400 problem listing every issue. */
export const invalidInput = (result: ValidationResult, c: Context<any>): Response | undefined => {
  if (result.success || !result.error) return
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }))
  return problem({
    code: 'ERR_BAD_REQUEST',
    detail: `invalid ${result.target}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    requestId: (c as Context<AdminEnv>).get('requestId'),
    extra: { issues },
  })
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
