import { runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { objectName } from '../../../src/filters/rate-limit/index.ts'
import { expectProblem } from '../_context.ts'
import { counter, isolate, testEnv, warmUp } from './_helpers.ts'
import { captureLog } from '../../support/expect-log.ts'

beforeAll(warmUp, 60_000)

const limit = (mode: string) => ({ name: 'l', actions: [{ remote_address: {} }], sliding_window: { requests_per_unit: 100, unit: 'minute' }, mode })
/** `shards: 1`: every key lives in object rate_limit:0, the one the slow-object tests hold up. */
const cfg = (domain: string, extra: Record<string, unknown>, mode = 'exact') => ({ domain, rate_limits: [limit(mode)], shards: 1, ...extra })

/**
 * Holds every call to the object until `release()`: blockConcurrencyWhile queues all other events, so the object is
 * slow deterministically, with no test hook in the object itself.
 */
async function holdObject(name: string): Promise<() => Promise<void>> {
  let release!: () => void
  let started!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const ready = new Promise<void>((r) => (started = r))
  const held = runInDurableObject(testEnv.RATE_LIMITER.getByName(name), (_instance, state: DurableObjectState) =>
    state.blockConcurrencyWhile(async () => {
      started()
      await gate
    })
  )
  await ready
  return async () => {
    release()
    await held
  }
}

describe('rate_limit failure modes: object unreachable', () => {
  it('allow (default): admits, flags RLSE, counts error and failure_mode_allowed', async () => {
    const log = captureLog()
    const iso = isolate(cfg('unreachable-allow', { durable_object_binding: 'NO_SUCH_BINDING' }))
    const s = await iso.send()
    expect(s.admitted).toBe(true)
    expect([...s.rc.flags]).toEqual(['RLSE'])
    expect(counter(iso, 'error')).toBe(1)
    expect(counter(iso, 'failure_mode_allowed')).toBe(1)
    expect(counter(iso, 'ok')).toBe(1)
    expect(s.response.headers.get('ratelimit')).toBeNull()
    expect(log.msgs()).toEqual(['rate limit service call failed'])
  })

  it('deny: answers ERR_RATE_LIMIT_SERVICE with status_on_error and flag RLSE', async () => {
    const iso = isolate(cfg('unreachable-deny', { durable_object_binding: 'NO_SUCH_BINDING', failure_mode: 'deny', status_on_error: 503 }))
    const s = await iso.send()
    await expectProblem(s.response, { status: 503, code: 'ERR_RATE_LIMIT_SERVICE', flag: 'RLSE' })
    expect(counter(iso, 'error')).toBe(1)
    expect(counter(iso, 'failure_mode_allowed')).toBe(0)
  })

  it('a binding that is not a Durable Object namespace is unreachable too, in leased mode as well', async () => {
    const iso = isolate(cfg('not-a-namespace', { durable_object_binding: 'ADMIN_TOKEN', failure_mode: 'deny' }, 'leased'))
    expect((await iso.send()).response.status).toBe(503)
  })
})

describe('rate_limit failure modes: object slow', () => {
  it('exact: gives up after the timeout, then allows or denies per failure_mode', async () => {
    const release = await holdObject(objectName(0))
    try {
      const allow = isolate(cfg('slow-allow', { timeout: '30ms' }))
      const started = performance.now()
      const a = await allow.send()
      expect(performance.now() - started).toBeGreaterThanOrEqual(25)
      expect(a.admitted).toBe(true)
      expect([...a.rc.flags]).toEqual(['RLSE'])
      expect(counter(allow, 'failure_mode_allowed')).toBe(1)

      const deny = isolate(cfg('slow-deny', { timeout: '30ms', failure_mode: 'deny' }))
      await expectProblem((await deny.send()).response, { status: 503, code: 'ERR_RATE_LIMIT_SERVICE', flag: 'RLSE' })
    } finally {
      await release()
    }
  })

  it('leased: a request with no tokens waits at most the timeout for its grant', async () => {
    const release = await holdObject(objectName(0))
    const iso = isolate(cfg('slow-leased', { timeout: '30ms', failure_mode: 'deny' }, 'leased'))
    try {
      expect((await iso.send()).response.status).toBe(503)
    } finally {
      await release()
    }
    // The grant the object answers late is still folded in: the next request spends it without a call.
    await iso.settle()
    const calls = counter(iso, 'do_calls')
    expect((await iso.send()).admitted).toBe(true)
    expect(counter(iso, 'do_calls')).toBe(calls)
  })
})
