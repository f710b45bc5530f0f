import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { POINTER_KEY } from '../../src/config/store-keys.ts'
import { makeGateway, publish, simpleConfig, testEnv, upstreams } from '../support/gateway.ts'
import { admin, json } from './_helpers.ts'

afterEach(() => reset())

const hello = (body: string) => ({
  gateway: { refresh_interval: '1h' },
  virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body } }] }],
})
const put = (gw: ReturnType<typeof makeGateway>, body: unknown) =>
  admin(gw, '/config', { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } })
const text = async (gw: ReturnType<typeof makeGateway>, path: string) => (await gw.fetch(path)).text()

describe('PUT /__legate/config', () => {
  it('publishes a valid table and serves it from this isolate at once (refresh_interval 1h)', async () => {
    await publish(hello('one'))
    const gw = makeGateway()
    expect(await text(gw, '/hello')).toBe('one')
    const res = await put(gw, hello('two'))
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({ status: 'published', version: 2, live_version: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(await text(gw, '/hello')).toBe('two')
    expect(await json(await put(gw, hello('two')))).toMatchObject({ status: 'unchanged', version: 2 })
  })

  it('refuses an invalid table with 400, every issue, nothing written and the live config untouched', async () => {
    await publish(hello('live'))
    const gw = makeGateway()
    expect(await text(gw, '/hello')).toBe('live')
    const pointer = await testEnv.CONFIG.get(POINTER_KEY)
    const res = await put(gw, {
      clusters: [{ name: 'c', endpoints: [{ url: 'ftp://x' }] }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'ghost' } }, { match: {} }] }],
    })
    expect(res.status).toBe(400)
    const problem = await json(res)
    expect(problem).toMatchObject({ code: 'ERR_CONFIG_INVALID', status: 400 })
    const paths = (problem.issues as { path: string }[]).map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['clusters[0].endpoints[0].url', 'virtual_hosts[0].routes[0].forward.cluster', 'virtual_hosts[0].routes[1]']))
    expect(await testEnv.CONFIG.get(POINTER_KEY)).toBe(pointer)
    expect(await text(gw, '/hello')).toBe('live')
  })

  // Issue 12 §2: an endpoint URL that does not parse made validation throw and the PUT answer 503.
  it.each(['http://1.2.3.4.5', 'http://127.0.0.1:99999', 'http://[::1'])('refuses the endpoint %s with 400 and its path', async (url) => {
    await publish(hello('live'))
    const gw = makeGateway()
    const res = await put(gw, { ...hello('x'), clusters: [{ name: 'c', endpoints: [{ url }] }] })
    expect(res.status).toBe(400)
    const problem = await json(res)
    expect((problem.issues as { path: string }[]).map((i) => i.path)).toContain('clusters[0].endpoints[0].url')
    expect(await text(gw, '/hello')).toBe('live')
  })

  it.each([
    ['not JSON', '{ nope'],
    ['JSON that is not a table', '[1, 2]'],
    ['an empty body', ''],
  ])('refuses %s with 400', async (_, body) => {
    await publish(hello('live'))
    const gw = makeGateway()
    const res = await put(gw, body)
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ code: 'ERR_CONFIG_INVALID', issues: expect.any(Array) })
    expect(await text(gw, '/hello')).toBe('live')
  })
})

describe('POST /__legate/config/rollback and GET /__legate/config/history', () => {
  it('rolls back to the previous version as a new version, and lists every version with the live one marked', async () => {
    await publish(hello('one'))
    const gw = makeGateway()
    await put(gw, hello('two'))
    const res = await admin(gw, '/config/rollback', { method: 'POST' })
    expect(await json(res)).toMatchObject({ status: 'published', rolled_back_to: 1, version: 3, live_version: 3 })
    expect(await text(gw, '/hello')).toBe('one')
    const explicit = await admin(gw, '/config/rollback', { method: 'POST', body: JSON.stringify({ version: 2 }) })
    expect(await json(explicit)).toMatchObject({ rolled_back_to: 2, version: 4 })
    expect(await text(gw, '/hello')).toBe('two')
    const history = await json(await admin(gw, '/config/history'))
    expect(history.live_version).toBe(4)
    expect(history.versions.map((v: { version: number; source: string; live: boolean }) => [v.version, v.source, v.live])).toEqual([
      [4, 'rollback of 2', true],
      [3, 'rollback of 1', false],
      [2, 'admin', false],
      [1, 'test', false],
    ])
  })

  it('answers 404 for a version that does not exist, and 400 for a malformed body', async () => {
    await publish(hello('one'))
    const gw = makeGateway()
    const first = await admin(gw, '/config/rollback', { method: 'POST' })
    expect([first.status, (await json(first)).code]).toEqual([404, 'ERR_CONFIG_VERSION_NOT_FOUND'])
    const missing = await admin(gw, '/config/rollback', { method: 'POST', body: '{"version": 9}' })
    expect(missing.status).toBe(404)
    const bad = await admin(gw, '/config/rollback', { method: 'POST', body: '{"version": "x"}' })
    expect(bad.status).toBe(400)
    expect(await text(gw, '/hello')).toBe('one')
  })
})

describe('GET /__legate/config_dump, /ready, /clusters', () => {
  it('dumps the live config with defaults and secrets redacted', async () => {
    await publish({
      ...hello('x'),
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          request_headers_to_add: [{ header: { key: 'authorization', value: 'Bearer upstream-secret' } }, { header: { key: 'x-env', value: 'prod' } }],
          routes: [{ name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200 } }],
        },
      ],
    })
    const gw = makeGateway()
    await gw.fetch('/hello')
    const dump = await json(await admin(gw, '/config_dump'))
    expect(dump.version).toBe(1)
    expect(dump.config.gateway.normalize_path).toBe(true)
    expect(dump.config.virtual_hosts[0].request_headers_to_add.map((h: { header: unknown }) => h.header)).toEqual([
      { key: 'authorization', value: '[redacted]' },
      { key: 'x-env', value: 'prod' },
    ])
    expect(JSON.stringify(dump)).not.toContain('upstream-secret')
  })

  it('is ready (200 LIVE) once a config is live, 503 before', async () => {
    const gw = makeGateway()
    const before = await admin(gw, '/ready')
    expect([before.status, (await json(before)).state]).toEqual([503, 'PRE_INITIALIZING'])
    await publish(hello('x'))
    const after = await admin(makeGateway(), '/ready')
    expect([after.status, await json(after)]).toEqual([200, { state: 'LIVE', version: 1 }])
  })

  it('lists the clusters with their endpoints and breaker state (src/upstream/isolate/status.ts)', async () => {
    const [a, b] = upstreams().echo
    await publish(simpleConfig([a, b]))
    const gw = makeGateway()
    expect((await gw.fetch('/x')).status).toBe(200)
    const body = await json(await admin(gw, '/clusters'))
    expect(body.version).toBe(1)
    expect(body.clusters).toHaveLength(1)
    expect(body.clusters[0]).toMatchObject({ name: 'echo', circuit_breakers: expect.any(Object) })
    expect(body.clusters[0].endpoints.map((e: { address: string }) => e.address)).toEqual([new URL(a).host, new URL(b).host])
  })
})
