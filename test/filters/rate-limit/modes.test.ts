import { beforeAll, describe, expect, it } from 'vitest'
import { byIp, counter, isolate, limitsConfig as cfg, parseSfList, retryAfterSeconds, testEnv, warmUp } from './_helpers.ts'

beforeAll(warmUp, 60_000)

describe('rate_limit, local mode', () => {
  it('counts per isolate with no object call, and bounds the keys it remembers', async () => {
    const config = cfg('local', [byIp('local', 2, { mode: 'local' })])
    const a = isolate(config, { maxKeys: 2 })
    const b = isolate(config)
    expect([await a.send(), await a.send(), await a.send()].map((s) => s.admitted)).toEqual([true, true, false])
    expect((await b.send()).admitted).toBe(true)
    expect(counter(a, 'do_calls') + counter(b, 'do_calls')).toBe(0)
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await a.send({ clientAddress: ip })
    expect(a.state.locals.size).toBe(2)
  })
})

describe('rate_limit, Workers Rate Limiting binding', () => {
  it('asks the binding with the descriptor key; a refusal waits a whole period', async () => {
    const calls: string[] = []
    let allow = true
    const RL = { limit: async ({ key }: { key: string }) => (calls.push(key), { success: allow }) }
    const env = { ...testEnv, RL }
    const iso = isolate(cfg('binding', [{ name: 'colo', actions: [{ remote_address: {} }], workers_ratelimit: { binding: 'RL', limit: 100, period: 60 } }]))
    const ok = await iso.send({ env })
    expect(ok.admitted).toBe(true)
    expect(calls).toEqual(['binding/colo/wr/["remote_address","203.0.113.7"]'])
    expect(parseSfList(ok.response.headers.get('ratelimit-policy'))).toEqual([{ name: 'colo', params: { q: 100, w: 60 } }])
    expect(ok.response.headers.get('ratelimit')).toBeNull()
    allow = false
    const refused = await iso.send({ env })
    expect(refused.response.status).toBe(429)
    expect(parseSfList(refused.response.headers.get('ratelimit'))).toEqual([{ name: 'colo', params: { r: 0, t: 60 } }])
    expect(retryAfterSeconds(refused.response)).toBe(60)
  })

  it('a missing binding is a service failure (failure_mode applies)', async () => {
    const iso = isolate(cfg('binding-missing', [{ name: 'colo', actions: [{ remote_address: {} }], workers_ratelimit: { binding: 'NO_RL', limit: 1, period: 10 } }]))
    const s = await iso.send()
    expect(s.admitted).toBe(true)
    expect([...s.rc.flags]).toEqual(['RLSE'])
  })
})
