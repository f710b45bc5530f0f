/**
 * Invalidation by unsafe methods (RFC 9111 §4.4) through the real gateway, against Miniflare's Cache API and a
 * real origin on 127.0.0.1: a non-error response to POST/PUT/PATCH/DELETE deletes the URL's entry, and those of a
 * same-origin Location / Content-Location; an error response or another origin's Location deletes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { makeKey, type TestKey, token } from '../../support/jwt-keys.ts'
import { cacheTable, fresh, hits, script, seen } from './_helpers.ts'

let key: TestKey
beforeAll(async () => {
  key = await makeKey('RS256', 'cache-inv')
})

describe('cache: invalidation by unsafe methods', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('a 2xx to %s deletes the entry for its URL: the next GET is a MISS', async (method) => {
    const gw = await cacheTable()
    const k = fresh(`inv-${method.toLowerCase()}`)
    await (await gw.fetchAndSettle(`/${k}/item?a=1`)).text()
    expect((await seen(await gw.fetchAndSettle(`/${k}/item?a=1`))).cache).toBe('HIT')
    const unsafe = await gw.fetchAndSettle(`/${k}/item?a=1`, { method, body: method === 'DELETE' ? null : '{}' })
    expect(await seen(unsafe)).toMatchObject({ status: 200, cache: 'BYPASS' })
    expect(await seen(await gw.fetchAndSettle(`/${k}/item?a=1`))).toMatchObject({ cache: 'MISS', body: `${k} #3` })
    expect(gw.gateway.stats.counters.get('vhost.site.route.all.cache.invalidated')).toBe(1)
  })

  it('keeps the entry when the unsafe request fails (error status)', async () => {
    const gw = await cacheTable()
    const k = fresh('inv-error')
    await (await gw.fetchAndSettle(`/${k}`)).text()
    await script(k, { status: 409, headers: {} })
    expect((await gw.fetchAndSettle(`/${k}`, { method: 'POST', body: 'x' })).status).toBe(409)
    expect(await seen(await gw.fetchAndSettle(`/${k}`))).toMatchObject({ cache: 'HIT', body: `${k} #1` })
    expect(gw.gateway.stats.counters.get('cache.invalidated')).toBeUndefined()
  })

  it('also deletes the entries of a same-origin Location and Content-Location, not another origin’s', async () => {
    const gw = await cacheTable()
    const k = fresh('inv-location')
    for (const p of ['list', 'made', 'moved', 'far']) await (await gw.fetchAndSettle(`/${k}/${p}`)).text()
    await script(k, { status: 201, headers: { location: `/${k}/made`, 'content-location': `http://gw.test/${k}/moved` } })
    expect((await gw.fetchAndSettle(`/${k}/list`, { method: 'POST', body: 'x' })).status).toBe(201)
    await script(k, { status: 201, headers: { location: `http://elsewhere.test/${k}/far` } })
    expect((await gw.fetchAndSettle(`/${k}/other`, { method: 'POST', body: 'x' })).status).toBe(201)
    await script(k, {})
    const after = Object.fromEntries(await Promise.all(['list', 'made', 'moved', 'far'].map(async (p) => [p, (await seen(await gw.fetchAndSettle(`/${k}/${p}`))).cache])))
    expect(after).toEqual({ list: 'MISS', made: 'MISS', moved: 'MISS', far: 'HIT' })
    expect((await hits(k)).count).toBe(4 + 2 + 3)
  })

  it('deletes the requester’s own per-identity entry and the shared one', async () => {
    const jwt = { name: 'jwt_authn', config: { providers: { p: { issuer: 'https://issuer.test', audiences: ['api'], local_jwks: { keys: [key.jwk] } } }, requires: { provider: 'p' } } }
    const gw = await cacheTable({ authorization: 'per_identity', key: { headers: ['x-tenant'] } }, { filters: [jwt] })
    const k = fresh('inv-identity')
    const alice = { authorization: `Bearer ${await token(key, { sub: 'alice' })}`, 'x-tenant': 't1' }
    const bob = { authorization: `Bearer ${await token(key, { sub: 'bob' })}`, 'x-tenant': 't1' }
    for (const who of [alice, bob]) await (await gw.fetchAndSettle(`/${k}`, { headers: who })).text()
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: alice }))).cache).toBe('HIT')
    expect((await gw.fetchAndSettle(`/${k}`, { method: 'PUT', headers: alice, body: 'x' })).status).toBe(200)
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: alice }))).cache).toBe('MISS')
    // Bob's variant is not enumerable from Alice's request: it stays until it expires or is purged.
    expect((await seen(await gw.fetchAndSettle(`/${k}`, { headers: bob }))).cache).toBe('HIT')
  })
})
