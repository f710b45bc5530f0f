/** Test helpers for the workers project: a fresh gateway per test, KV publishing, and request shortcuts. */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { inject } from 'vitest'
import { publishConfig } from '../../src/config/publish.ts'
import type { Env } from '../../src/env.ts'
import type { FilterFactory } from '../../src/filters/types.ts'
import { createGateway } from '../../src/gateway.ts'

export const testEnv = env as unknown as Env
export const upstreams = () => inject('upstreams')

export interface TestGateway {
  fetch(input: string | Request, init?: RequestInit): Promise<Response>
  /** Runs the request and waits for its background work (config refresh) to finish. */
  fetchAndSettle(input: string | Request, init?: RequestInit): Promise<Response>
  gateway: ReturnType<typeof createGateway>
  clock: { now: number }
}

/** A gateway with its own isolate state and a settable clock. */
export function makeGateway(options: { filters?: FilterFactory[] } = {}): TestGateway {
  const clock = { now: Date.parse('2026-11-26T12:00:00Z') }
  const gateway = createGateway({ ...options, now: () => clock.now })
  const toRequest = (input: string | Request, init?: RequestInit) =>
    typeof input === 'string' ? new Request(input.startsWith('http') ? input : `http://gw.test${input}`, init) : input
  return {
    gateway,
    clock,
    fetch: (input, init) => gateway.fetch(toRequest(input, init), testEnv, createExecutionContext()),
    async fetchAndSettle(input, init) {
      const ctx = createExecutionContext()
      const res = await gateway.fetch(toRequest(input, init), testEnv, ctx)
      await waitOnExecutionContext(ctx)
      return res
    },
  }
}

/** Publishes a route table (not validated here: the gateway validates what it loads). */
export function publish(config: unknown) {
  return publishConfig(testEnv.CONFIG, config, 'test')
}

/** A minimal valid table forwarding everything under / to the given origins. */
export function simpleConfig(origins: string[], extra: Record<string, unknown> = {}) {
  return {
    gateway: { refresh_interval: '1s' },
    clusters: [{ name: 'echo', endpoints: origins.map((url) => ({ url })) }],
    virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ name: 'root', match: { prefix: '/' }, forward: { cluster: 'echo' } }] }],
    ...extra,
  }
}

export interface Echo {
  server: string
  method: string
  url: string
  headers: Record<string, string>
  rawHeaders: string[]
  bodyBytes: number
  bodySha256: string
  body?: string
}
export const echoOf = async (res: Response) => (await res.json()) as Echo
