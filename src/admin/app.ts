/**
 * @module Admin API (Hono) under the reserved prefix `/__legate`. Bearer token from the ADMIN_TOKEN secret,
 * compared in constant time. No token configured: the admin API is off and every admin path answers 404.
 */
import { Hono } from 'hono'
import type { ConfigStore } from '../config/store.ts'
import type { Env } from '../env.ts'
import { problem } from '../http/problem.ts'

export const ADMIN_PREFIX = '/__legate'

/** Constant-time string comparison (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a)
  const eb = new TextEncoder().encode(b)
  let diff = ea.length ^ eb.length
  for (let i = 0; i < ea.length; i++) diff |= ea[i]! ^ (eb[i % eb.length] ?? 0)
  return diff === 0
}

type AdminEnv = { Bindings: Env; Variables: { requestId: string } }

export function createAdminApp(store: ConfigStore) {
  const app = new Hono<AdminEnv>().basePath(ADMIN_PREFIX)
  app.use('*', async (c, next) => {
    const token = c.env.ADMIN_TOKEN
    const requestId = crypto.randomUUID()
    c.set('requestId', requestId)
    if (!token) return problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: 'the admin API is off: set the ADMIN_TOKEN secret to turn it on.', requestId })
    const given = c.req.header('authorization')?.match(/^Bearer (.+)$/)?.[1] ?? ''
    if (!safeEqual(given, token))
      return problem({ code: 'ERR_UNAUTHORIZED', detail: 'send the admin token as "Authorization: Bearer <ADMIN_TOKEN>".', requestId, headers: { 'www-authenticate': 'Bearer realm="legate-admin"' } })
    await next()
  })
  /** Live config version, update counters and the last refused version with every error. */
  app.get('/status', (c) => c.json({ config: store.status() }))
  app.notFound((c) => problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: `no admin endpoint ${c.req.method} ${c.req.path}.`, requestId: c.get('requestId') }))
  return app
}
