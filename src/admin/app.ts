/**
 * @module Admin API (Hono) under the reserved prefix `/__legate`. Bearer token from the ADMIN_TOKEN secret,
 * compared in constant time. No token configured: the admin API is off and every admin path answers 404. The
 * dashboard page itself (`/ui`) holds no data and is served without the token; its requests send it.
 */
import { Hono } from 'hono/tiny'
import { problem } from '../http/problem.ts'
import { registerCacheRoutes } from './cache-routes.ts'
import { registerClustersRoutes } from './clusters-routes.ts'
import { registerConfigRoutes } from './config-routes.ts'
import type { AdminDeps, AdminEnv } from './context.ts'
import { registerRecorderRoutes } from './recorder-routes.ts'
import { safeEqual } from '../lib/safe-equal.ts'
import { registerRolloutRoutes } from './rollout-routes.ts'
import { registerStatsRoutes } from './stats-routes.ts'
import { registerUiRoutes, UI_PATH } from './ui-routes.ts'

export const ADMIN_PREFIX = '/__legate'
export { safeEqual }


export function createAdminApp(deps: AdminDeps) {
  const app = new Hono<AdminEnv>().basePath(ADMIN_PREFIX)
  app.use('*', async (c, next) => {
    const token = c.env.ADMIN_TOKEN
    const requestId = crypto.randomUUID()
    c.set('requestId', requestId)
    if (!token) return problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: 'the admin API is off: set the ADMIN_TOKEN secret to turn it on.', requestId })
    if (c.req.path === `${ADMIN_PREFIX}${UI_PATH}` && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next()
    const given = c.req.header('authorization')?.match(/^Bearer (.+)$/)?.[1] ?? ''
    if (!safeEqual(given, token))
      return problem({ code: 'ERR_UNAUTHORIZED', detail: 'send the admin token as "Authorization: Bearer <ADMIN_TOKEN>".', requestId, headers: { 'www-authenticate': 'Bearer realm="legate-admin"' } })
    await next()
  })
  registerConfigRoutes(app, deps)
  registerRolloutRoutes(app, deps)
  registerStatsRoutes(app, deps)
  registerClustersRoutes(app, deps)
  registerRecorderRoutes(app)
  registerCacheRoutes(app, deps)
  registerUiRoutes(app)
  app.notFound((c) => problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: `no admin endpoint ${c.req.method} ${c.req.path}.`, requestId: c.get('requestId') }))
  app.onError((err, c) => {
    console.error(JSON.stringify({ level: 'error', msg: 'admin API error', request_id: c.get('requestId'), error: String(err?.stack ?? err) }))
    return problem({ code: 'ERR_ADMIN_BACKEND', detail: 'the admin API failed on a store it depends on (KV or a Durable Object); the error is logged with this request id.', requestId: c.get('requestId') })
  })
  return app
}
