/** @module Helpers for the cache tests: a table with the cache filter in front of the scriptable origin. */
import { inject } from 'vitest'
import { makeGateway, publish } from '../../support/gateway.ts'

export const origin = () => inject('cacheOrigin')

/** Sets how the origin answers under `/<key>/…` (`conditional`: it answers matching validators with 304). */
export async function script(key: string, s: { status?: number; headers?: Record<string, string>; body?: string; delay_ms?: number; mode?: 'ok' | 'reset' | 'hang'; conditional?: boolean }) {
  await fetch(`${origin()}/__origin/script/${key}`, { method: 'PUT', body: JSON.stringify(s) })
}

/** How many requests the origin got under `/<key>/…`, and what they carried. */
export async function hits(key: string): Promise<{ count: number; requests: { url: string; headers: Record<string, string> }[] }> {
  return (await (await fetch(`${origin()}/__origin/hits/${key}`)).json()) as never
}

let n = 0
/** A key no other test uses. */
export const fresh = (name: string) => `${name}-${++n}-${Math.random().toString(36).slice(2, 8)}`

/** Publishes a table: the cache filter (`config`) on every route; `routes` extra routes before the catch-all. */
export async function cacheTable(config: Record<string, unknown> = {}, extra: { routes?: unknown[]; filters?: unknown[]; timeout?: string; cluster?: Record<string, unknown> } = {}) {
  await publish({
    gateway: { refresh_interval: '1s' },
    http_filters: [...(extra.filters ?? []), { name: 'cache', config }],
    clusters: [{ name: 'origin', endpoints: [{ url: origin() }], ...extra.cluster }],
    virtual_hosts: [
      {
        name: 'site',
        domains: ['*'],
        routes: [...(extra.routes ?? []), { name: 'all', match: { prefix: '/' }, forward: { cluster: 'origin', ...(extra.timeout ? { timeout: extra.timeout } : {}) } }],
      },
    ],
  })
  return makeGateway()
}

/** x-cache, Age and the body of a response. */
export async function seen(res: Response) {
  return { status: res.status, cache: res.headers.get('x-cache'), age: res.headers.get('age'), body: await res.text() }
}
