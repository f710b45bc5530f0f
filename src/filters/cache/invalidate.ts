/**
 * @module Invalidation by unsafe requests (RFC 9111 §4.4): a non-error response to POST, PUT, PATCH or DELETE
 * through a cached route deletes the entries for its URL, and for the URLs in its Location and Content-Location
 * when they have the same origin, keyed under the same route: the shared entry and the requester's own variant
 * (the key headers, cookies and identity it sent). Other variants cannot be enumerated in the Cache API.
 */
import type { RequestContext } from '../types.ts'
import { currentGenerations } from './generations.ts'
import { hotDelete } from './hot.ts'
import { cacheKeyUrl, type KeyPlan } from './key.ts'
import { count, warn } from './store.ts'

export const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The URLs an unsafe request's response invalidates: its own, and same-origin Location / Content-Location. */
function targets(rc: RequestContext, res: Response): URL[] {
  const urls = [rc.url]
  for (const h of ['location', 'content-location']) {
    const v = res.headers.get(h)
    if (!v) continue
    try {
      const u = new URL(v, rc.url)
      if (u.origin === rc.url.origin && u.href !== rc.url.href) urls.push(u)
    } catch {
      // not a URL: nothing to invalidate
    }
  }
  return urls
}

/** Deletes the entries an unsafe request's non-error response invalidates; resolves when the deletes are done. */
export async function invalidate(rc: RequestContext, res: Response, plan: KeyPlan, identity: string | undefined): Promise<void> {
  if (res.status >= 400) return
  const g = currentGenerations(rc.env.CONFIG, rc.startedAt, rc.waitUntil)
  const gens = g instanceof Promise ? await g : g
  if (!gens) return
  const base = { headers: rc.headers, routeName: rc.routeName, vhostName: rc.vhostName }
  const keys = new Set<string>()
  for (const url of targets(rc, res)) {
    for (const id of identity === undefined ? [undefined] : [undefined, identity]) {
      const key = cacheKeyUrl(plan, { ...base, url, identity: id }, gens)
      if (key) keys.add(key)
    }
  }
  await Promise.all(
    [...keys].map(async (key) => {
      hotDelete(key)
      try {
        if (await caches.default.delete(key)) count(rc, 'invalidated')
      } catch (e) {
        warn('invalidate', e, rc.requestId)
      }
    })
  )
}
