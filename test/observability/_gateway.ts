/** A test gateway with injectable randomness (sampling), and a console.log capture for access-log lines. */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { vi } from 'vitest'
import { createGateway } from '../../src/gateway.ts'
import { testEnv } from '../support/gateway.ts'

/** A gateway whose sampling draws come from `draws` in turn (then 0.5). */
export function gatewayWith(draws: number[] = []) {
  const clock = { now: Date.parse('2026-11-26T12:00:00Z') }
  let i = 0
  const gateway = createGateway({ now: () => clock.now, random: () => draws[i++] ?? 0.5 })
  return {
    gateway,
    clock,
    async fetch(path: string, init?: RequestInit) {
      const ctx = createExecutionContext()
      const res = await gateway.fetch(new Request(`http://gw.test${path}`, init), testEnv, ctx)
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
