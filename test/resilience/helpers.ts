/** Helpers for the resilience tests: per-test keys on the real upstreams, config builders, counters. */
import { env } from 'cloudflare:workers'
import type { Env } from '../../src/env.ts'
import type { TestGateway } from '../support/gateway.ts'
import { upstreams } from '../support/gateway.ts'

export const testEnv = env as unknown as Env

/** A fresh key, so attempt counts on the shared upstream servers belong to one test. */
export const newKey = () => crypto.randomUUID().slice(0, 8)

export interface KeyRecord {
  attempts: number
  byServer: Record<string, number>
  attemptCounts: (string | null)[]
  maxInFlight: number
  maxRetriesInFlight: number
  probes: Record<string, number>
  seen: { server: string; forwardedHost: string | null; bodyBytes: number }[]
}

/** What the upstream servers saw for a key. */
export async function attemptsOf(key: string): Promise<KeyRecord> {
  return (await (await fetch(`${upstreams().echo[0]}/__upstream/keys/${key}`)).json()) as KeyRecord
}

/** Sets what `GET /__upstream/health/<key>` answers, on every server or one. */
export async function setHealth(key: string, status: number, server?: string): Promise<void> {
  const q = server ? `&server=${server}` : ''
  const res = await fetch(`${upstreams().echo[0]}/__upstream/health/${key}?status=${status}${q}`, { method: 'PUT' })
  await res.body?.cancel()
}

/** One cluster `c` of the given origins, one catch-all route forwarding to it. */
export function table(origins: string[], opts: { cluster?: Record<string, unknown>; forward?: Record<string, unknown>; vhost?: Record<string, unknown>; name?: string } = {}) {
  const name = opts.name ?? 'c'
  return {
    gateway: { refresh_interval: '1h' },
    clusters: [{ name, endpoints: origins.map((url) => ({ url })), ...opts.cluster }],
    virtual_hosts: [
      { name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, forward: { cluster: name, ...opts.forward } }], ...opts.vhost },
    ],
  }
}

export const behave = (b: string) => ({ headers: { 'x-upstream-behavior': b } })

/** The gateway's in-memory counter, 0 when never recorded. */
export const counter = (gw: TestGateway, name: string) => gw.gateway.stats.counters.get(name) ?? 0

export const problemOf = async (res: Response) => (await res.json()) as { code: string; detail: string; response_flags: string }
