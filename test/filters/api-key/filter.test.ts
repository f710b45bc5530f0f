import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { apiKeyFilter } from '../../../src/filters/api-key/index.ts'
import type { Env } from '../../../src/env.ts'
import { generateApiKey } from '../../../src/lib/api-keys.ts'
import { build, type ContextInit, expectProblem, makeContext, run, STARTED_AT } from '../_context.ts'
import { counters, putRecord, storeKey } from './_keys.ts'
import { captureLog } from '../../support/expect-log.ts'

const at = (offsetMs: number, init: ContextInit = {}) => makeContext({ startedAt: STARTED_AT + offsetMs, ...init })
const withKey = (key: string, init: ContextInit = {}) => ({ ...init, headers: { 'x-api-key': key, ...(init.headers as object) } })

describe('api_key: who gets in', () => {
  const filter = build(apiKeyFilter)

  it('passes a valid key: sets rc.identity, forwards consumer and scopes, removes the key', async () => {
    const key = await storeKey({ consumer: 'acme', scopes: ['orders:read', 'orders:write'] })
    const rc = makeContext(withKey(key))
    const { local, upstreamRc } = await run(filter, rc)
    expect(local).toBe(false)
    expect(rc.identity).toEqual({ consumer: 'acme', scopes: ['orders:read', 'orders:write'] })
    expect(upstreamRc!.headers.get('x-api-key')).toBeNull()
    expect(upstreamRc!.headers.get('x-legate-consumer')).toBe('acme')
    expect(upstreamRc!.headers.get('x-legate-scopes')).toBe('orders:read,orders:write')
    expect(counters(rc)('api_key.allowed')).toBe(1)
    expect(rc.state.api_key).toEqual({ outcome: 'allowed', consumer: 'acme' })
  })

  it('answers 401 ERR_API_KEY_MISSING with WWW-Authenticate when no key is sent', async () => {
    const rc = makeContext()
    const res = (await filter.onRequest!(rc)) as Response
    const body = await expectProblem(res, { status: 401, code: 'ERR_API_KEY_MISSING', flag: 'UAEX' })
    expect(body.detail).toContain('x-api-key')
    expect(res.headers.get('www-authenticate')).toBe('ApiKey realm="legate"')
    expect(counters(rc)('api_key.denied.missing')).toBe(1)
    expect(rc.identity).toEqual({})
  })

  it('treats an empty header as missing', async () => {
    await expectProblem((await filter.onRequest!(makeContext(withKey('')))) as Response, { status: 401, code: 'ERR_API_KEY_MISSING' })
  })

  it('answers 401 ERR_API_KEY_INVALID for an unknown key', async () => {
    const rc = makeContext(withKey(generateApiKey()))
    const res = (await filter.onRequest!(rc)) as Response
    const body = await expectProblem(res, { status: 401, code: 'ERR_API_KEY_INVALID', flag: 'UAEX' })
    expect(body.detail).toBe('the API key is not valid.')
    expect(counters(rc)('api_key.denied.unknown')).toBe(1)
    expect(rc.headers.get('x-api-key')).toBeNull()
  })

  it('answers 401 for a revoked key (enabled: false)', async () => {
    const key = await storeKey({ enabled: false, revoked_at: new Date(STARTED_AT - 1000).toISOString() })
    const rc = makeContext(withKey(key))
    const body = await expectProblem((await filter.onRequest!(rc)) as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
    expect(body.detail).toBe('the API key has been revoked.')
    expect(counters(rc)('api_key.denied.disabled')).toBe(1)
  })

  it('answers 401 for an expired key, from the instant of expires_at, even from the cache', async () => {
    const key = await storeKey({ expires_at: new Date(STARTED_AT + 1000).toISOString() })
    expect(await filter.onRequest!(at(999, withKey(key)))).toBeUndefined()
    const rc = at(1000, withKey(key))
    const body = await expectProblem((await filter.onRequest!(rc)) as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
    expect(body.detail).toBe('the API key has expired.')
    expect(counters(rc)('api_key.denied.expired')).toBe(1)
    expect(counters(rc)('api_key.cache.hit')).toBe(1)
  })

  it('refuses malformed keys without a lookup: two header lines, too long, control characters', async () => {
    const twice = new Headers([['x-api-key', 'lgk_a'], ['x-api-key', 'lgk_b']])
    for (const headers of [twice, { 'x-api-key': 'k'.repeat(257) }, { 'x-api-key': 'has space' }]) {
      const rc = makeContext({ headers })
      await expectProblem((await filter.onRequest!(rc)) as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
      expect(counters(rc)('api_key.denied.malformed')).toBe(1)
      expect(counters(rc)('api_key.cache.miss')).toBe(0)
    }
  })

  it('refuses a stored value that is not a valid record (401, logged), and never trusts it', async () => {
    const log = captureLog()
    const key = generateApiKey()
    await putRecord(key, { consumer: 'acme', enabled: true })
    const rc = makeContext(withKey(key))
    await expectProblem((await filter.onRequest!(rc)) as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
    const junk = generateApiKey()
    await putRecord(junk, 'not json')
    await expectProblem((await filter.onRequest!(makeContext(withKey(junk)))) as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
    expect(rc.identity).toEqual({})
    expect(log.msgs()).toEqual(Array(2).fill('api_key: stored record is not a valid API key record'))
  })

  it('fails closed with 503 ERR_API_KEY_UNAVAILABLE when KV cannot be read (CONFIG not bound)', async () => {
    const log = captureLog()
    const rc = { ...makeContext(withKey(generateApiKey())), env: { ...(env as unknown as Env), CONFIG: undefined as unknown as KVNamespace } }
    const res = (await filter.onRequest!(rc)) as Response
    await expectProblem(res, { status: 503, code: 'ERR_API_KEY_UNAVAILABLE', flag: 'UAEX' })
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(counters(rc)('api_key.error')).toBe(1)
    expect(log.msgs()).toEqual(['api_key: KV lookup failed'])
  })
})

describe('api_key: scopes and upstream headers', () => {
  it('answers 403 ERR_API_KEY_FORBIDDEN naming the missing scopes', async () => {
    const key = await storeKey({ scopes: ['orders:read'] })
    const filter = build(apiKeyFilter, { required_scopes: ['orders:read', 'orders:write', 'admin'] })
    const rc = makeContext(withKey(key))
    const res = (await filter.onRequest!(rc)) as Response
    const body = await expectProblem(res, { status: 403, code: 'ERR_API_KEY_FORBIDDEN', flag: 'UAEX' })
    expect(body.detail).toContain('the scopes orders:write, admin required by this route')
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(counters(rc)('api_key.denied.scope')).toBe(1)
    expect(rc.identity).toEqual({})
  })

  it('passes when the key has every required scope', async () => {
    const key = await storeKey({ scopes: ['admin', 'orders:write'] })
    const filter = build(apiKeyFilter, { required_scopes: ['orders:write', 'admin'] })
    expect(await filter.onRequest!(makeContext(withKey(key)))).toBeUndefined()
  })

  it('replaces client copies of custom consumer/scopes headers, and sends no scopes header for a key without scopes', async () => {
    const key = await storeKey({ consumer: 'beta', scopes: [] })
    const filter = build(apiKeyFilter, { header: 'Authorization-Key', consumer_header: 'X-Consumer', scopes_header: 'x-consumer-scopes' })
    const rc = makeContext({ headers: { 'authorization-key': key, 'x-consumer': 'admin', 'x-consumer-scopes': 'everything' } })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect(rc.headers.get('x-consumer')).toBe('beta')
    expect(rc.headers.has('x-consumer-scopes')).toBe(false)
    expect(rc.headers.has('authorization-key')).toBe(false)
    expect(rc.identity).toEqual({ consumer: 'beta', scopes: [] })
  })

  it('removes client copies of the consumer header even when the request is refused', async () => {
    const filter = build(apiKeyFilter, { consumer_header: 'x-consumer' })
    const rc = makeContext({ headers: { 'x-consumer': 'admin' } })
    await filter.onRequest!(rc)
    expect(rc.headers.has('x-consumer')).toBe(false)
  })
})

describe('api_key: keys in the query', () => {
  const filter = build(apiKeyFilter, { query_param: 'api_key' })

  it('takes the key from the query and removes it, keeping the other parameters byte for byte', async () => {
    const key = await storeKey()
    const rc = makeContext({ url: `/orders?a=%20b&api_key=${key}&c=d+e&x=%E2%9C%93` })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect(rc.url.search).toBe('?a=%20b&c=d+e&x=%E2%9C%93')
    expect(rc.identity.consumer).toBe('acme')
  })

  it('also takes an escaped spelling of the name, so the upstream never sees a second key', async () => {
    const key = await storeKey()
    const rc = makeContext({ url: `/o?api%5Fkey=${key}` })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect(rc.url.search).toBe('')
  })

  it('refuses the parameter sent twice (which one would the upstream read?)', async () => {
    const key = await storeKey()
    const rc = makeContext({ url: `/o?api_key=${key}&api_key=other` })
    await expectProblem((await filter.onRequest!(rc)) as Response, { status: 401, code: 'ERR_API_KEY_INVALID' })
    expect(rc.url.search).toBe('')
  })

  it('prefers the header, and removes the query copy too', async () => {
    const key = await storeKey({ consumer: 'from-header' })
    const rc = makeContext({ url: '/o?api_key=bogus&k=v', headers: { 'x-api-key': key } })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect(rc.identity.consumer).toBe('from-header')
    expect(rc.url.search).toBe('?k=v')
  })

  it('ignores the query when query_param is unset', async () => {
    const key = await storeKey()
    const rc = makeContext({ url: `/o?api_key=${key}` })
    await expectProblem((await build(apiKeyFilter).onRequest!(rc)) as Response, { status: 401, code: 'ERR_API_KEY_MISSING' })
    expect(rc.url.search).toBe(`?api_key=${key}`)
  })
})

describe('api_key: per-route overrides', () => {
  it('a route override inherits the header names it omits, so a forged consumer header never survives', async () => {
    const key = await storeKey({ consumer: 'acme', scopes: ['admin'] })
    // The override as validation merges it over the entry (src/config/overrides.ts).
    const override = apiKeyFilter.configSchema.parse({ header: 'x-key', consumer_header: 'x-consumer', ...{ required_scopes: ['admin'] } })
    const filter = apiKeyFilter.create(override, { scope: 'route admin' })
    const rc = makeContext({ headers: { 'x-key': key, 'x-consumer': 'root' } })
    expect(await filter.onRequest!(rc)).toBeUndefined()
    expect(rc.headers.get('x-consumer')).toBe('acme')
    expect(rc.headers.has('x-legate-consumer')).toBe(false)
  })
})
