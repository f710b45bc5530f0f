/**
 * @module createGateway: the Worker's fetch handler. Loads the live snapshot, dispatches the admin prefix,
 * runs the pipeline between the observer's `begin` and `finish` (trace context; stats, access log, flush), and
 * makes sure no exception escapes: the last resort is a 502 problem reply.
 */
import { ADMIN_PREFIX, createAdminApp } from './admin/app.ts'
import { createConfigStore } from './snapshot/store.ts'
import type { Env } from './env.ts'
import { createRegistry } from './filters/registry.ts'
import type { FilterFactory } from './filters/types.ts'
import { requestIdFor } from './http/client.ts'
import { problem } from './http/problem.ts'
import { createConfigStatsSync } from './observability/config-stats.ts'
import { createStatsFlusher } from './observability/flush.ts'
import { createObserver } from './observability/observer.ts'
import { createRecorderClient } from './observability/recorder-client.ts'
import { createStatsStore } from './observability/stats.ts'
import { tryParseUrl } from './lib/url.ts'
import { handleRequest } from './pipeline.ts'
import { inRollout, selectSnapshot } from './rollout/select.ts'

/** Never echoes the input: the Host header or target may be anything a client sent. */
const BAD_URL_DETAIL = 'the Host header and request target do not form a valid URL (an invalid host name or port?).'

export interface GatewayOptions {
  /** Your own filters, registered next to the built-ins (see docs/filters.md). */
  filters?: readonly FilterFactory[]
  /** Clock for tests. @default Date.now */
  now?: () => number
  /** Randomness for sampling decisions (access log, tracing, recorder), for tests. @default Math.random */
  random?: () => number
}

export function createGateway(options: GatewayOptions = {}) {
  const filters = createRegistry(options.filters)
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const store = createConfigStore(filters, now)
  const stats = createStatsStore()
  const flusher = createStatsFlusher({ store: stats, now, beforeFlush: createConfigStatsSync(() => store.status(), stats) })
  const recorder = createRecorderClient({ now, random })
  const observer = createObserver({ stats, flusher, recorder, now, random })
  const admin = createAdminApp({ store, stats, flusher, filters, observer, now })

  async function fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const startedAt = now()
    const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p)
    let requestId: string | undefined
    let obs: ReturnType<typeof observer.begin> | undefined
    let response: Response
    try {
      const current = store.current(env.CONFIG, waitUntil)
      const snapshot = current instanceof Promise ? await current : current
      // workerd builds request.url from the Host header and the target unchecked: `Host: h:99999` does not parse.
      const url = tryParseUrl(request.url)
      const path = url?.pathname
      if (path === ADMIN_PREFIX || path?.startsWith(`${ADMIN_PREFIX}/`)) return await admin.fetch(request, env, ctx)
      requestId = snapshot ? requestIdFor(request.headers, snapshot.settings.preserve_external_request_id) : crypto.randomUUID()
      // Stable, or during a rollout the canary for this client's slice, or the version a preview names.
      const picked = snapshot && url ? selectSnapshot(store, snapshot, request, env, startedAt, requestId) : undefined
      const selected = picked instanceof Promise ? await picked : picked
      const served = selected instanceof Response ? undefined : (selected ?? snapshot)
      obs = observer.begin(request, served, startedAt, served !== undefined && snapshot !== undefined && inRollout(store, served, snapshot))
      if (!url) response = problem({ code: 'ERR_BAD_REQUEST', detail: BAD_URL_DETAIL, requestId })
      else if (selected instanceof Response) response = selected
      else if (served) {
        // A local reply from synchronous filters (a cache hit) comes back as a Response: no await, no microtask.
        const handled = handleRequest(served, { request, url, env, waitUntil, requestId, startedAt, stats: obs.stats, trace: obs.trace, record: obs.record })
        response = handled instanceof Promise ? await handled : handled
      } else
        response = problem({
          code: 'ERR_NO_CONFIG',
          detail: 'no route table has been pushed yet. Push one with `npx legate push routes/ --local` (or --remote for a deployed gateway).',
          requestId,
        })
    } catch (err) {
      requestId ??= crypto.randomUUID()
      console.error(JSON.stringify({ level: 'error', msg: 'unhandled error in the data plane', request_id: requestId, error: String((err as Error)?.stack ?? err) }))
      response = problem({ code: 'ERR_INTERNAL', detail: 'the gateway failed while handling this request; the error is logged with this request id.', requestId })
    }
    obs ??= observer.begin(request, undefined, startedAt)
    return observer.finish(obs, request, response, requestId, env, waitUntil)
  }

  return { fetch, store, stats, flusher }
}
