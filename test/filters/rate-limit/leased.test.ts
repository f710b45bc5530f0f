import { beforeAll, describe, expect, it } from 'vitest'
import { leasedOverAdmission, type LimitSpec } from '../../../src/ratelimit/limit.ts'
import { counter, type Isolate, isolate, T0, testEnv, warmUp } from './_helpers.ts'

beforeAll(warmUp, 60_000)

const ipLimit = (extra: Record<string, unknown>) => ({ name: 'l', actions: [{ remote_address: {} }], mode: 'leased', ...extra })
const cfg = (domain: string, limit: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  domain,
  rate_limits: [ipLimit(limit)],
  timeout: '5s',
  shards: 1,
  ...extra,
})

/**
 * Drives `isolates` in lock step: every `stepMs` of the injected clock each isolate gets one request, all at once;
 * background work (grants, returns) is awaited every `settleEvery` steps, so refills race with spending.
 * @returns the times of the admitted requests.
 */
async function drive(isolates: Isolate[], steps: number, stepMs: number, settleEvery = 3, start = T0): Promise<number[]> {
  const admitted: number[] = []
  for (let i = 0; i < steps; i++) {
    const now = start + i * stepMs
    const sent = await Promise.all(isolates.map((iso) => iso.send({ startedAt: now })))
    for (const s of sent) if (s.admitted) admitted.push(now)
    if (i % settleEvery === settleEvery - 1) await Promise.all(isolates.map((iso) => iso.settle()))
  }
  await Promise.all(isolates.map((iso) => iso.settle()))
  return admitted
}

const countIn = (times: number[], from: number, to: number) => times.filter((t) => t >= from && t < to).length
const calls = (isolates: Isolate[]) => isolates.reduce((n, iso) => n + counter(iso, 'do_calls'), 0)

describe('rate_limit, leased mode', () => {
  it('spends leased tokens locally: at most 0.05 object calls per request on a hot key', { timeout: 30_000 }, async () => {
    // Sequential requests 3 ms apart, a pause of 5 lease TTLs, then 6 TTLs of traffic again: grant sizes must adapt
    // back (a regression let them collapse to 1 token after the pause: one call per request from then on).
    const iso = isolate(cfg('hot', { sliding_window: { requests_per_unit: 1_000_000_000, unit: 'minute' } }))
    expect(await drive([iso], 300, 3, 1)).toHaveLength(300)
    const before = calls([iso])
    expect(await drive([iso], 2_000, 3, 1, T0 + 6_000)).toHaveLength(2_000)
    expect(counter(iso, 'error')).toBe(0)
    expect((calls([iso]) - before) / 2_000).toBeLessThanOrEqual(0.05)
  })

  it('several isolates on one token bucket admit no more than the bucket would, plus the documented bound', { timeout: 30_000 }, async () => {
    // 100 burst, +10 every 100 ms; 4 isolates each offered 500 requests/s for 3 s (≈ 6,000 against ≈ 400).
    const bucket = { max_tokens: 100, tokens_per_fill: 10, fill_interval: '100ms' }
    const spec: LimitSpec = { kind: 'token_bucket', maxTokens: 100, tokensPerFill: 10, fillIntervalMs: 100 }
    const ttl = 1_000
    const bound = leasedOverAdmission(spec, ttl)
    expect(bound).toBe(100)
    const isolates = Array.from({ length: 4 }, () => isolate(cfg('bucket-bound', { token_bucket: bucket }, { lease: { max_fraction: 0.2, ttl: '1s' } })))
    const admitted = await drive(isolates, 1_500, 2)
    // Any interval [a, b): the exact bucket admits at most max_tokens + the fills in it; leased mode at most `bound` more.
    for (let a = T0; a < T0 + 3_000; a += 100)
      for (let b = a + 100; b <= T0 + 3_000; b += 100) {
        const exact = 100 + 10 * (Math.floor((b - a) / 100) + 1)
        expect(countIn(admitted, a, b), `[${a - T0}, ${b - T0})`).toBeLessThanOrEqual(exact + bound)
      }
    expect(isolates.map((iso) => counter(iso, 'error'))).toEqual([0, 0, 0, 0])
    // And it is not useless: tokens stranded in other isolates' leases cost at most 4 leases' worth.
    expect(admitted.length).toBeGreaterThanOrEqual(100 + 10 * 29 - 4 * 20)
    expect(calls(isolates) / (4 * 1_500)).toBeLessThan(0.1)
  })

  it('several isolates on one sliding window never admit more than the limit in an aligned window', { timeout: 30_000 }, async () => {
    const isolates = Array.from({ length: 4 }, () => isolate(cfg('window-bound', { sliding_window: { requests_per_unit: 200, unit: 'second' } }, { lease: { max_fraction: 0.1 } })))
    const admitted = await drive(isolates, 500, 4)
    expect(isolates.map((iso) => counter(iso, 'error'))).toEqual([0, 0, 0, 0])
    for (let w = 0; w < 2; w++) {
      const n = countIn(admitted, T0 + w * 1_000, T0 + (w + 1) * 1_000)
      expect(n, `window ${w}`).toBeLessThanOrEqual(200)
      expect(n, `window ${w}`).toBeGreaterThanOrEqual(200 - 4 * 20 - 20)
    }
  })

  it('concurrent requests on a cold isolate share one call in flight and admit exactly the limit', async () => {
    const iso = isolate(cfg('cold', { sliding_window: { requests_per_unit: 40, unit: 'hour' } }, { lease: { max_fraction: 1 } }))
    const sent = await Promise.all(Array.from({ length: 100 }, () => iso.send()))
    expect(sent.filter((s) => s.admitted)).toHaveLength(40)
    expect(counter(iso, 'error')).toBe(0)
    expect(counter(iso, 'do_calls')).toBeLessThanOrEqual(10)
  })

  it('remembers a refusal until its retry time: an over-limit key costs no round trip', async () => {
    const iso = isolate(cfg('denied', { token_bucket: { max_tokens: 20, fill_interval: '1m' } }, { lease: { max_fraction: 1 } }))
    let admitted = 0
    for (let i = 0; i < 30; i++) if ((await iso.send({ startedAt: T0 + i })).admitted) admitted++
    expect(admitted).toBe(20)
    await iso.settle()
    const before = counter(iso, 'do_calls')
    const refused = []
    for (let i = 0; i < 50; i++) refused.push(await iso.send({ startedAt: T0 + 100 + i }))
    expect(refused.every((s) => s.response.status === 429)).toBe(true)
    expect(counter(iso, 'do_calls')).toBe(before)
    expect(Number(refused[0]!.response.headers.get('retry-after'))).toBe(60)
    // At the fill, one more token: the isolate asks again.
    expect((await iso.send({ startedAt: T0 + 60_000 })).admitted).toBe(true)
  })

  it('an isolate never spends a grant after its expiry', async () => {
    const iso = isolate(cfg('expiry', { token_bucket: { max_tokens: 100, fill_interval: '1h' } }, { lease: { max_fraction: 0.5, ttl: '200ms' } }))
    expect((await iso.send({ startedAt: T0 })).admitted).toBe(true) // a grant of 7 (50 / 8), until T0 + 200 ms
    await iso.settle()
    expect(counter(iso, 'do_calls')).toBe(1)
    expect((await iso.send({ startedAt: T0 + 100 })).admitted).toBe(true)
    expect(counter(iso, 'do_calls')).toBe(1)
    const lease = () => [...iso.state.leases.entries()][0]![1].state
    expect(lease().grants).toMatchObject([{ tokens: 5, expiresAt: T0 + 200 }])
    // 5 tokens are still held, but the grant has expired: a new one is needed.
    expect((await iso.send({ startedAt: T0 + 200 })).admitted).toBe(true)
    expect(counter(iso, 'do_calls')).toBe(2)
    expect(lease().grants).toMatchObject([{ expiresAt: T0 + 400 }])
  })

  it('gives an evicted lease back to the object (bounded per-isolate state)', async () => {
    const config = cfg('evict', { sliding_window: { requests_per_unit: 100, unit: 'hour' } }, { lease: { max_fraction: 0.8 } })
    const iso = isolate(config, { maxKeys: 1 })
    await iso.send({ clientAddress: '192.0.2.1' }) // takes a grant of 10 (80 / 8), spends 1
    await iso.send({ clientAddress: '192.0.2.2' }) // evicts 192.0.2.1's lease: 9 go back
    await iso.settle()
    expect(iso.state.leases.size).toBe(1)
    const key = 'evict/l/sw3600000/["remote_address","192.0.2.1"]'
    const spec: LimitSpec = { kind: 'sliding_window', limit: 100, windowMs: 3_600_000 }
    expect(await testEnv.RATE_LIMITER.getByName('rate_limit:0').lease(key, spec, 100, T0, 1, 1_000)).toMatchObject({ granted: 99 })
  })
})
