/**
 * The per-isolate cache and the revocation bound, with the request clock (`rc.startedAt`) as the injected time.
 * Each test uses its own generated key, so the module-level cache never carries state between tests.
 */
import { describe, expect, it } from 'vitest'
import { apiKeyFilter } from '../../../src/filters/api-key/index.ts'
import { generateApiKey } from '../../../src/lib/api-keys.ts'
import { build, expectProblem, makeContext, STARTED_AT } from '../_context.ts'
import { counters, putRecord, storeKey } from './_keys.ts'
import { captureLog } from '../../support/expect-log.ts'

async function ask(filter: ReturnType<typeof build>, key: string, offsetMs: number) {
  const rc = makeContext({ startedAt: STARTED_AT + offsetMs, headers: { 'x-api-key': key } })
  const res = await filter.onRequest!(rc)
  const c = counters(rc)
  return { allowed: res === undefined, res, hit: c('api_key.cache.hit') === 1, miss: c('api_key.cache.miss') === 1 }
}

describe('api_key cache', () => {
  it('a revoked key keeps working until cache_ttl has passed since its lookup, and not one millisecond longer', async () => {
    const filter = build(apiKeyFilter)
    const key = await storeKey()
    expect(await ask(filter, key, 0)).toMatchObject({ allowed: true, miss: true })
    await storeKey({ enabled: false }, key)
    expect(await ask(filter, key, 29_999)).toMatchObject({ allowed: true, hit: true })
    const after = await ask(filter, key, 30_000)
    expect(after).toMatchObject({ allowed: false, miss: true })
    await expectProblem(after.res as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
  })

  it('honours a configured cache_ttl, and 0s looks every request up (immediate revocation)', async () => {
    const short = build(apiKeyFilter, { cache_ttl: '2s' })
    const key = await storeKey()
    await ask(short, key, 0)
    expect(await ask(short, key, 1_999)).toMatchObject({ hit: true })
    expect(await ask(short, key, 2_000)).toMatchObject({ miss: true })

    const none = build(apiKeyFilter, { cache_ttl: '0s' })
    const k2 = await storeKey()
    expect(await ask(none, k2, 0)).toMatchObject({ allowed: true, miss: true })
    await storeKey({ enabled: false }, k2)
    expect(await ask(none, k2, 0)).toMatchObject({ allowed: false, miss: true })
  })

  it('remembers an unknown key for negative_cache_ttl only', async () => {
    const filter = build(apiKeyFilter)
    const key = generateApiKey()
    expect(await ask(filter, key, 0)).toMatchObject({ allowed: false, miss: true })
    await storeKey({}, key)
    expect(await ask(filter, key, 4_999)).toMatchObject({ allowed: false, hit: true })
    expect(await ask(filter, key, 5_000)).toMatchObject({ allowed: true, miss: true })
  })

  it('shares entries across filter instances (config versions, route overrides), each applying its own TTL', async () => {
    const key = await storeKey()
    await ask(build(apiKeyFilter), key, 0)
    expect(await ask(build(apiKeyFilter, { required_scopes: ['orders:read'] }), key, 10_000)).toMatchObject({ allowed: true, hit: true })
    expect(await ask(build(apiKeyFilter, { cache_ttl: '5s' }), key, 10_000)).toMatchObject({ allowed: true, miss: true })
  })

  it('re-reads a record whose cached time is in the future (a clock that went backwards)', async () => {
    const filter = build(apiKeyFilter)
    const key = await storeKey()
    await ask(filter, key, 10_000)
    expect(await ask(filter, key, 0)).toMatchObject({ miss: true })
  })

  it('does not cache a malformed record as valid, and picks up the fixed record after the TTL', async () => {
    const log = captureLog()
    const filter = build(apiKeyFilter)
    const key = generateApiKey()
    await putRecord(key, '{"consumer":')
    expect(await ask(filter, key, 0)).toMatchObject({ allowed: false, miss: true })
    await storeKey({}, key)
    expect(await ask(filter, key, 1_000)).toMatchObject({ allowed: false, hit: true })
    expect(await ask(filter, key, 30_000)).toMatchObject({ allowed: true, miss: true })
    expect(log.msgs()).toEqual(Array(2).fill('api_key: stored record is not a valid API key record'))
  })
})
