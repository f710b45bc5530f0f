import { describe, expect, it } from 'vitest'
import { retryPolicy } from '../../src/upstream/schema.ts'
import { compileRetryPolicy, RESET, TIMEOUT } from '../../src/upstream/request/retry.ts'

const plan = (p: Record<string, unknown>) => compileRetryPolicy(retryPolicy.parse(p))

describe('retry_on', () => {
  const h = (o: Record<string, string> = {}) => new Headers(o)
  it.each([
    // retry_on, outcome, retried
    ['5xx', 500, true],
    ['5xx', 503, true],
    ['5xx', RESET, true],
    ['5xx', TIMEOUT, true],
    ['5xx', 429, false],
    ['gateway-error', 500, false],
    ['gateway-error', 502, true],
    ['gateway-error', 504, true],
    ['gateway-error', TIMEOUT, true],
    ['reset', RESET, true],
    ['reset', 503, false],
    ['connect-failure', RESET, true],
    ['connect-failure', TIMEOUT, false],
    ['connect-failure', 503, false],
    ['retriable-4xx', 409, true],
    ['retriable-4xx', 429, false],
    ['retriable-status-codes', 429, true],
    ['retriable-status-codes', 503, false],
  ] as const)('%s retries %s: %s', (retry_on, code, retried) => {
    const p = plan({ retry_on, retriable_status_codes: [429] })
    expect(p.retriable(code, code > 0 ? h() : undefined)).toBe(retried)
  })

  it('retries on a matching response header with retriable-headers', () => {
    const p = plan({ retry_on: 'retriable-headers', retriable_headers: [{ name: 'x-retry', exact: 'yes' }] })
    expect(p.retriable(200, h({ 'x-retry': 'yes' }))).toBe(true)
    expect(p.retriable(200, h({ 'x-retry': 'no' }))).toBe(false)
  })

  it('never retries an answer that carries x-envoy-overloaded', () => {
    expect(plan({ retry_on: '5xx' }).retriable(503, h({ 'x-envoy-overloaded': 'true' }))).toBe(false)
  })
})

describe('which requests may be retried', () => {
  it('retries idempotent methods only, unless retry_non_idempotent', () => {
    const p = plan({ retry_on: '5xx' })
    for (const m of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) expect(p.requestAllowed(m, new Headers()), m).toBe(true)
    for (const m of ['POST', 'PATCH']) expect(p.requestAllowed(m, new Headers()), m).toBe(false)
    expect(plan({ retry_on: '5xx', retry_non_idempotent: true }).requestAllowed('POST', new Headers())).toBe(true)
  })

  it('requires every retriable_request_headers matcher', () => {
    const p = plan({ retry_on: '5xx', retriable_request_headers: [{ name: 'x-retry-ok' }] })
    expect(p.requestAllowed('GET', new Headers())).toBe(false)
    expect(p.requestAllowed('GET', new Headers({ 'x-retry-ok': '1' }))).toBe(true)
  })
})

describe('defaults and back-off choice', () => {
  it('has Envoy defaults: one retry, 25 ms base, 250 ms cap, previous_hosts on, 64 KiB buffer', () => {
    const p = plan({ retry_on: '5xx' })
    expect(p.numRetries).toBe(1)
    expect(p.perTryTimeoutMs).toBe(0)
    expect(p.previousHosts).toBe(true)
    expect(p.bufferLimit).toBe(65536)
    expect(p.backoff(9, undefined, 0, () => 0.999999)).toEqual({ ms: 250, kind: 'exponential' })
  })

  it('uses Retry-After when rate_limited_retry_back_off names it, exponential otherwise', () => {
    const p = plan({ retry_on: '5xx', rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After' }], max_interval: '10s' } })
    expect(p.backoff(1, new Headers({ 'retry-after': '3' }), 0, () => 0)).toEqual({ ms: 3000, kind: 'ratelimited' })
    expect(p.backoff(1, new Headers(), 0, () => 0)).toEqual({ ms: 0, kind: 'exponential' })
  })
})

describe('retry_policy config', () => {
  it.each([
    [{ retry_on: '5xx,teapot' }, 'retry_on'],
    [{ retry_on: '' }, 'retry_on'],
    [{ retry_on: '5xx', num_retries: -1 }, 'num_retries'],
    [{ retry_on: '5xx', per_try_timeout: '0s' }, 'per_try_timeout'],
    [{ retry_on: '5xx', hedge_on_per_try_timeout: true }, 'hedge_on_per_try_timeout'],
    [{ retry_on: '5xx', retry_back_off: { base_interval: '100ms', max_interval: '10ms' } }, 'max_interval'],
    [{ retry_on: '5xx', retry_host_predicate: ['canary'] }, 'retry_host_predicate'],
    [{ retry_on: '5xx', rate_limited_retry_back_off: { reset_headers: [] } }, 'reset_headers'],
    [{ retry_on: '5xx', bogus: 1 }, 'bogus'],
  ])('rejects %j', (input, where) => {
    const r = retryPolicy.safeParse(input)
    expect(r.success).toBe(false)
    expect(JSON.stringify(r.error?.issues)).toContain(where)
  })

  it('accepts spaces around retry_on tokens', () => {
    expect(retryPolicy.parse({ retry_on: '5xx, reset ,retriable-4xx' }).retry_on).toEqual(['5xx', 'reset', 'retriable-4xx'])
  })
})
