/**
 * @module createGateway: the Worker's fetch handler. Loads the live snapshot, dispatches the admin prefix,
 * runs the pipeline, and makes sure no exception escapes: the last resort is a 502 problem reply.
 */
import { ADMIN_PREFIX, createAdminApp } from './admin/app.ts'
import { createConfigStore } from './config/store.ts'
import type { Env } from './env.ts'
import { createRegistry } from './filters/registry.ts'
import type { FilterFactory } from './filters/types.ts'
import { requestIdFor } from './http/client.ts'
import { problem } from './http/problem.ts'
import { createStatsStore } from './observability/stats.ts'
import { handleRequest } from './pipeline.ts'

export interface GatewayOptions {
  /** Your own filters, registered next to the built-ins (see docs/filters.md). */
  filters?: readonly FilterFactory[]
  /** Clock for tests. @default Date.now */
  now?: () => number
}

export function createGateway(options: GatewayOptions = {}) {
  const filters = createRegistry(options.filters)
  const now = options.now ?? Date.now
  const store = createConfigStore(filters, now)
  const stats = createStatsStore()
  const admin = createAdminApp(store)

  async function fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const startedAt = now()
    let requestId = crypto.randomUUID()
    try {
      const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p)
      const snapshot = await store.current(env.CONFIG, waitUntil)
      if (snapshot) requestId = requestIdFor(request.headers, snapshot.settings.preserve_external_request_id)
      const path = new URL(request.url).pathname
      if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
        const res = await admin.fetch(request, env, ctx)
        return res
      }
      if (!snapshot)
        return problem({
          code: 'ERR_NO_CONFIG',
          detail: 'no route table has been pushed yet. Push one with `npx legate push routes/ --local` (or --remote for a deployed gateway).',
          requestId,
        })
      return await handleRequest(snapshot, { request, env, waitUntil, requestId, startedAt, stats })
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'unhandled error in the data plane', request_id: requestId, error: String((err as Error)?.stack ?? err) }))
      return problem({ code: 'ERR_INTERNAL', detail: 'the gateway failed while handling this request; the error is logged with this request id.', requestId })
    }
  }

  return { fetch, store, stats }
}
