/**
 * The observability tests' route table, a test gateway with injectable randomness (sampling), and a console.log
 * capture for access-log lines.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { vi } from 'vitest'
import type { Env } from '../../src/env.ts'
import { createGateway } from '../../src/gateway.ts'
import { testEnv, upstreams } from '../support/gateway.ts'

/**
 * One virtual host: `/echo/` to the echo upstream, `/down` to a refused port, `/hello` answered directly, plus
 * `extraRoutes`; `observability` as given.
 */
export function observedTable(observability: Record<string, unknown>, extraRoutes: Record<string, unknown>[] = []) {
  return {
    observability,
    clusters: [
      { name: 'echo', endpoints: [{ url: upstreams().echo[0] }] },
      { name: 'down', endpoints: [{ url: upstreams().refused }] },
    ],
    virtual_hosts: [
      {
        name: 'main',
        domains: ['*'],
        routes: [
          { name: 'echo', match: { prefix: '/echo/' }, forward: { cluster: 'echo', prefix_rewrite: '/' } },
          { name: 'down', match: { prefix: '/down' }, forward: { cluster: 'down' } },
          { name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body: 'hi' } },
          ...extraRoutes,
        ],
      },
    ],
  }
}

/** A gateway on `env` whose sampling draws come from `draws` in turn (then 0.5). */
export function gatewayWith(draws: number[] = [], env: Env = testEnv) {
  const clock = { now: Date.parse('2026-11-26T12:00:00Z') }
  let i = 0
  const gateway = createGateway({ now: () => clock.now, random: () => draws[i++] ?? 0.5 })
  return {
    gateway,
    clock,
    counter: (name: string) => gateway.stats.counters.get(name),
    async fetch(path: string, init?: RequestInit) {
      const ctx = createExecutionContext()
      const res = await gateway.fetch(new Request(`http://gw.test${path}`, init), env, ctx)
      const body = await res.text()
      await waitOnExecutionContext(ctx)
      return { res, body }
    },
  }
}

/** Access-log lines written while `run` runs, parsed. */
export async function accessLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => {})
  try {
    await run()
    return spy.mock.calls
      .map((c) => String(c[0]))
      .filter((l) => l.includes('"msg":"access"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  } finally {
    spy.mockRestore()
  }
}
