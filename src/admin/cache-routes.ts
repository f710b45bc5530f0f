/**
 * @module Admin `POST /cache/purge`: deletes entries by URL in this data center's cache (the Cache API does not
 * replicate, so neither does a delete), and raises a route's or the global cache generation, which makes every
 * older entry unreachable everywhere once isolates re-read it (seconds, plus KV propagation).
 */
import * as z from 'zod'
import { bumpGeneration, currentGenerations, type Generations, hotDelete, KEYERS } from '../filters/cache/index.ts'
import { problem } from '../http/problem.ts'
import { tryParseUrl } from '../lib/url.ts'
import type { Snapshot } from '../snapshot/compile.ts'
import { type AdminApp, type AdminDeps, liveSnapshot, onlyMethods, validJson } from './context.ts'

export const purgeBody = z
  .strictObject({
    /** Absolute URLs as clients request them; each is matched to its route to build its key. Max 100. */
    urls: z.array(z.string().max(8192)).max(100).optional(),
    /** Request headers (and `cookie`) of the variant to purge, for routes that key by headers or cookies. */
    headers: z.record(z.string(), z.string()).optional(),
    /** The identity of a per-identity entry (the JWT subject). */
    identity: z.string().max(1024).optional(),
    /** Raise this route's generation: every entry of the route becomes unreachable. */
    route: z.string().min(1).max(256).optional(),
    /** Raise the global generation: every entry becomes unreachable. */
    all: z.literal(true).optional(),
  })
  .refine((b) => b.urls?.length || b.route !== undefined || b.all, 'name urls, a route or all: true')

type PurgedUrl = { url: string; route: string | null; deleted: boolean; reason?: string }

async function purgeUrl(snapshot: Snapshot, gens: Generations, raw: string, headers: Headers, identity: string | undefined): Promise<PurgedUrl> {
  const url = tryParseUrl(raw)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return { url: raw, route: null, deleted: false, reason: 'not an http(s) URL' }
  const vhost = snapshot.matchHost(url.host)
  const hit = vhost?.table.match({ path: url.pathname, method: 'GET', headers, search: url.search })
  const route = hit && vhost!.route(hit.index)
  if (!route) return { url: raw, route: null, deleted: false, reason: 'no route' }
  const keyer = route.chain.map((f) => KEYERS.get(f)).find((k) => k !== undefined)
  if (!keyer) return { url: raw, route: route.name, deleted: false, reason: 'route does not cache' }
  const key = keyer({ url, headers, routeName: route.name, vhostName: route.vhostName, ...(identity !== undefined ? { identity } : {}) }, gens)
  if (!key) return { url: raw, route: route.name, deleted: false, reason: 'key too long' }
  hotDelete(key)
  return { url: raw, route: route.name, deleted: await caches.default.delete(key) }
}

export function registerCacheRoutes(app: AdminApp, deps: AdminDeps): void {
  app.post('/cache/purge', async (c) => {
    const body = await validJson(c, purgeBody)
    if (body instanceof Response) return body
    const kv = c.env.CONFIG
    const requestId = c.get('requestId')
    const snapshot = await liveSnapshot(deps, c)
    if (!snapshot || (body.route !== undefined && !snapshot.config.virtual_hosts.some((vh) => vh.routes.some((r) => r.name === body.route))))
      return problem({ code: 'ERR_BAD_REQUEST', detail: `the live config has no route ${body.route ?? ''}`, requestId })
    let gens: Generations | undefined
    if (body.all) gens = await bumpGeneration(kv)
    if (body.route !== undefined) gens = await bumpGeneration(kv, body.route)
    const urls: PurgedUrl[] = []
    if (body.urls?.length) {
      const g = gens ?? (await currentGenerations(kv, deps.now(), (p) => c.executionCtx.waitUntil(p)))
      if (!g) return problem({ code: 'ERR_ADMIN_BACKEND', detail: 'KV failed', requestId })
      const headers = new Headers(body.headers)
      for (const u of body.urls) urls.push(await purgeUrl(snapshot, g, u, headers, body.identity))
    }
    return c.json({ urls, ...(gens ? { generations: gens } : {}) })
  })
  onlyMethods(app, '/cache/purge', ['POST'])
}
