import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Env } from '../../src/env.ts'
import { FLUSH_MS, IDLE_GRACE_MS } from '../../durable/rate-limiter.ts'
import type { LimitSpec } from '../../src/ratelimit/limit.ts'

const ns = (env as unknown as Env).RATE_LIMITER
const T0 = Date.parse('2026-11-26T12:00:00Z')
const MIN = 60_000
const bucket = (maxTokens: number, fillIntervalMs: number, tokensPerFill = 1): LimitSpec => ({ kind: 'token_bucket', maxTokens, tokensPerFill, fillIntervalMs })
const window = (limit: number, windowMs = MIN): LimitSpec => ({ kind: 'sliding_window', limit, windowMs })

// The first call in a file loads the object's module (seconds on a busy machine); not part of any test.
beforeAll(() => ns.getByName('warm-up').release('k', window(1), 0, 0, T0), 60_000)

const keysIn = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_i, state: DurableObjectState) =>
    state.storage.sql.exec<{ key: string; expires_at: number }>('SELECT key, expires_at FROM rl_keys ORDER BY expires_at').toArray()
  )

describe('RateLimiter object: consume', () => {
  it('counts a token bucket with the caller clock: burst, refusal with retry time, refill at the boundary', async () => {
    const stub = ns.getByName('consume-bucket')
    const spec = bucket(2, 1_000)
    const got = []
    for (const t of [T0 + 100, T0 + 200, T0 + 300, T0 + 999, T0 + 1_000]) got.push(await stub.consume('k', spec, 1, t))
    expect(got.map((r) => r.ok && r.allowed)).toEqual([true, true, false, false, true])
    expect(got[2]).toMatchObject({ ok: true, allowed: false, remaining: 0, retryAfterMs: 700 })
    expect(got[3]).toMatchObject({ retryAfterMs: 1 })
  })

  it('counts a sliding window: the burst after the boundary is refused', async () => {
    const stub = ns.getByName('consume-window')
    const spec = window(10)
    for (let i = 0; i < 10; i++) expect(await stub.consume('w', spec, 1, T0 + 59_900)).toMatchObject({ allowed: true, remaining: 9 - i })
    const next = await stub.consume('w', spec, 1, T0 + 60_000)
    expect(next).toMatchObject({ ok: true, allowed: false, remaining: 0 })
    expect(await stub.consume('w', spec, 1, T0 + 60_000 + (next.ok ? next.retryAfterMs : 0))).toMatchObject({ allowed: true })
  })

  it('admits exactly L of N concurrent requests (the object serializes them)', async () => {
    const stub = ns.getByName('consume-concurrent')
    const spec = window(20, 3_600_000)
    const results = await Promise.all(Array.from({ length: 60 }, () => stub.consume('hot', spec, 1, T0)))
    const allowed = results.filter((r) => r.ok && r.allowed)
    expect(allowed).toHaveLength(20)
    expect(allowed.map((r) => (r.ok ? r.remaining : -1)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('answers bad input with a result object, not an exception', async () => {
    const stub = ns.getByName('consume-bad')
    expect(await stub.consume('', window(1), 1, T0)).toMatchObject({ ok: false, code: 'ERR_BAD_INPUT' })
    expect(await stub.consume('k', { kind: 'sliding_window', limit: 0, windowMs: 1 }, 1, T0)).toMatchObject({ ok: false, code: 'ERR_BAD_INPUT' })
    expect(await stub.consume('k', window(5), 6, T0)).toMatchObject({ ok: false, code: 'ERR_BAD_INPUT' })
    expect(await stub.lease('k', window(5), 2, T0, 3)).toMatchObject({ ok: false, code: 'ERR_BAD_INPUT' })
  })
})

describe('RateLimiter object: leases', () => {
  it('grants what is left (only if need fits), remembers nothing it did not grant, takes returns back', async () => {
    const stub = ns.getByName('lease-bucket')
    const spec = bucket(10, MIN)
    expect(await stub.lease('k', spec, 6, T0, 1, 1_000)).toMatchObject({ ok: true, granted: 6, remaining: 4, expiresAt: T0 + 1_000 })
    expect(await stub.lease('k', spec, 6, T0, 1, 1_000)).toMatchObject({ granted: 4, remaining: 0 })
    const refused = await stub.lease('k', spec, 6, T0 + 10, 1, 1_000)
    expect(refused).toMatchObject({ ok: true, granted: 0, retryAfterMs: MIN - 10 })
    await stub.release('k', spec, 3, 0, T0 + 20)
    expect(await stub.lease('k', spec, 5, T0 + 30, 2, 1_000)).toMatchObject({ granted: 3 })
  })

  it('never lets a window grant outlive its window, and takes returns into the window that counted them', async () => {
    const stub = ns.getByName('lease-window')
    const spec = window(10)
    const a = await stub.lease('w', spec, 8, T0 + 59_800, 1, 1_000)
    expect(a).toMatchObject({ granted: 8, expiresAt: T0 + MIN, window: T0 })
    await stub.release('w', spec, 8, T0, T0 + 59_900)
    expect(await stub.lease('w', spec, 10, T0 + 59_950, 1, 1_000)).toMatchObject({ granted: 10 })
  })
})

describe('RateLimiter object: storage', () => {
  it('counts in memory and writes behind: SQLite has the change after a flush, at most FLUSH_MS later', async () => {
    const stub = ns.getByName('write-behind')
    await stub.consume('k', bucket(5, MIN), 2, T0)
    expect(await keysIn(stub)).toEqual([])
    expect(FLUSH_MS).toBe(1_000)
    // The alarm armed by the first change is the flush.
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await keysIn(stub)).map((r) => r.key)).toEqual(['k'])
    const state = await runInDurableObject(stub, (_i, s: DurableObjectState) => s.storage.sql.exec<{ state: string }>('SELECT state FROM rl_keys').one().state)
    expect(JSON.parse(state)).toEqual({ kind: 'token_bucket', tokens: 3, filledAt: T0 })
  })
})

describe('RateLimiter object: idle expiry', () => {
  it('deletes each key a grace period after forgetting it became lossless, with one alarm re-armed for the next', async () => {
    const stub = ns.getByName('expiry')
    const spec = bucket(5, MIN)
    await stub.consume('soon', spec, 1, T0) // full again at T0 + 1 min
    await stub.consume('later', spec, 3, T0 + 1_000) // full again at T0 + 3 min
    await stub.flush()
    expect(IDLE_GRACE_MS).toBe(MIN)
    expect((await keysIn(stub)).map((r) => [r.key, r.expires_at])).toEqual([['soon', T0 + 2 * MIN], ['later', T0 + 4 * MIN]])

    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await keysIn(stub)).map((r) => r.key)).toEqual(['later'])
    // Consuming again from 'soon' starts a full bucket: nothing was lost by forgetting it.
    expect(await stub.consume('soon', spec, 5, T0 + MIN)).toMatchObject({ allowed: true, remaining: 0 })
    await stub.release('soon', spec, 5, 0, T0 + MIN) // full again: forgotten at once
    await stub.flush()
    expect((await keysIn(stub)).map((r) => r.key)).toEqual(['later'])

    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await keysIn(stub)).toEqual([])
    expect(await runDurableObjectAlarm(stub)).toBe(false)
  })

  it('keeps a key that was used again after the alarm was armed for it', async () => {
    const stub = ns.getByName('expiry-touched')
    const spec = window(10, MIN)
    await stub.consume('w', spec, 1, T0) // idle at T0 + 2 min, deleted from T0 + 3 min
    await stub.consume('x', spec, 1, T0 + MIN) // idle at T0 + 3 min, deleted from T0 + 4 min
    await stub.flush()
    await stub.consume('w', spec, 1, T0 + MIN + 30_000) // now deleted from T0 + 4 min too
    await stub.consume('x', spec, 1, T0 + 2 * MIN + 30_000) // now deleted from T0 + 5 min
    await stub.flush()
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await keysIn(stub)).map((r) => r.key)).toEqual(['x'])
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await keysIn(stub)).toEqual([])
    expect(await runDurableObjectAlarm(stub)).toBe(false)
  })
})
