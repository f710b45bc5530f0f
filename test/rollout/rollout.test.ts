/**
 * Canary rollouts through the real gateway in workerd: publishes through the admin API and the ConfigCoordinator
 * object, traffic from many clients, stats flushed to the real Stats shards, the coordinator's alarm fired with
 * its clock set (no waiting).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { makeGateway, publish, testEnv, upstreams } from '../support/gateway.ts'
import { makeKey, token } from '../support/jwt-keys.ts'
import { admin, endAnyRollout, flushStats, judgeNow, setCoordinatorClock, T0, traffic } from './_helpers.ts'

/** The stable table, or a canary variant of it. */
function table(variant: { ordersFail?: boolean; audience?: string; jwk?: unknown; tag?: string; recorder?: boolean } = {}) {
  const forward = { cluster: 'echo' }
  return {
    gateway: { refresh_interval: '1s' },
    ...(variant.recorder ? { observability: { recorder: { enabled: true, sample_percent: 100, triggers: [{ name: 'errors', status_class: '5xx', cooldown: '1ms' }] } } } : {}),
    ...(variant.jwk ? { http_filters: [{ name: 'jwt_authn', config: { providers: { idp: { issuer: 'https://issuer.test', audiences: [variant.audience ?? 'api'], local_jwks: { keys: [variant.jwk] } } }, requires: { provider: 'idp' } } }] } : {}),
    clusters: [{ name: 'echo', endpoints: [{ url: upstreams().echo[0] }] }],
    virtual_hosts: [
      {
        name: 'api',
        domains: ['*'],
        routes: [
          variant.ordersFail ? { name: 'orders', match: { prefix: '/orders' }, direct_response: { status: 500, body: 'broken' } } : { name: 'orders', match: { prefix: '/orders' }, forward },
          { name: 'root', match: { prefix: '/' }, ...(variant.tag ? { direct_response: { status: 200, body: variant.tag } } : { forward }) },
        ],
      },
    ],
  }
}

const versionsOf = (rs: { version: number }[]) => new Set(rs.map((r) => r.version))

describe('canary rollouts', () => {
  let gw: ReturnType<typeof makeGateway>
  beforeEach(async () => {
    gw = makeGateway()
    await endAnyRollout(gw)
    await setCoordinatorClock(T0)
  })

  async function start(canary: unknown, query: string) {
    const res = await admin(gw, 'PUT', `/config?${query}`, canary)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.status).toBe('canary')
    return res.body as { version: number; stable_version: number }
  }

  it('rolls back a canary that answers 500 on one route within one judging window, with the reason and both figures', async () => {
    const stable = (await admin(gw, 'PUT', '/config', table({ tag: 'v-stable-1', recorder: true }))).body.version
    const { version: canary } = await start(table({ tag: 'v-stable-1', ordersFail: true, recorder: true }), 'canary=50&min_requests=20&min_route_requests=10')
    const during = await traffic(gw, '/orders/1', 200)
    expect(versionsOf(during)).toEqual(new Set([stable, canary]))
    for (const r of during) expect(r.status).toBe(r.version === canary ? 500 : 200)
    const share = during.filter((r) => r.version === canary).length
    expect(share).toBeGreaterThan(70)
    expect(share).toBeLessThan(130)

    await flushStats(gw)
    await setCoordinatorClock(T0 + 60_000)
    expect(await judgeNow()).toBe(true)
    const { body } = await admin(gw, 'GET', '/rollout')
    expect(body.pointer.rollout).toBeUndefined()
    expect(body.pointer.version).toBe(stable)
    expect(body.rollout.state).toBe('rolled_back')
    const event = body.rollout.events.at(-1)
    expect(event).toMatchObject({ kind: 'rolled_back', weight: 0, trip: { guardrail: '5xx rate', canary: 1, stable: 0 } })
    expect(event.reason).toMatch(/5xx rate .*canary 100.0 % of \d+ requests vs stable 0.0 % of \d+/)
    // The flight recorder's latest canary requests on that route, for the operator reading the rollback.
    expect(event.recent_requests.length).toBeGreaterThan(0)
    for (const r of event.recent_requests) expect(r).toMatchObject({ config_version: canary, status: 500, path: '/orders/1' })
    expect(await judgeNow()).toBe(false) // the rollout is over: no alarm left
    const history = (await admin(gw, 'GET', '/config/history')).body
    expect(history.versions.find((v: { version: number }) => v.version === canary)).toMatchObject({ source: 'admin canary', rollout: { state: 'rolled_back', stable, events: [{ kind: 'started' }, { kind: 'rolled_back', reason: event.reason }] } })

    await gw.gateway.store.refresh(testEnv.CONFIG)
    const after = await traffic(gw, '/orders/1', 50)
    expect(versionsOf(after)).toEqual(new Set([stable]))
    expect(after.every((r) => r.status === 200)).toBe(true)
  })

  it('rolls back a canary whose JWT audience is wrong (its 200s become 403s, as Envoy answers a wrong audience)', async () => {
    const key = await makeKey('RS256', 'k1')
    const stable = (await admin(gw, 'PUT', '/config', table({ jwk: key.jwk }))).body.version
    const { version: canary } = await start(table({ jwk: key.jwk, audience: 'api-typo' }), 'canary=50&min_requests=20')
    const auth = { headers: { authorization: `Bearer ${await token(key, { sub: 'alice' })}` } }
    const during = await traffic(gw, '/things', 120, auth)
    for (const r of during) expect(r.status).toBe(r.version === canary ? 403 : 200)
    await flushStats(gw)
    await setCoordinatorClock(T0 + 60_000)
    await judgeNow()
    const { body } = await admin(gw, 'GET', '/rollout')
    expect(body.rollout).toMatchObject({ state: 'rolled_back', stable, canary })
    expect(body.rollout.events.at(-1).trip).toMatchObject({ guardrail: '401/403 rate', scope: 'overall', canary: 1, stable: 0 })
  })

  it('walks a healthy canary through its steps after each bake time and promotes it', async () => {
    const stable = (await admin(gw, 'PUT', '/config', table({ tag: 'one' }))).body.version
    const { version: canary } = await start(table({ tag: 'two' }), 'steps=10,50&bake=5m&judge_interval=1m&min_requests=10')
    const step1 = await traffic(gw, '/', 300)
    const atTen = step1.filter((r) => r.version === canary).length
    expect(atTen).toBeGreaterThan(10)
    expect(atTen).toBeLessThan(60)
    await flushStats(gw)
    await setCoordinatorClock(T0 + 60_000)
    await judgeNow() // healthy, not baked yet
    expect((await admin(gw, 'GET', '/rollout')).body.pointer.rollout.step).toBe(0)
    await setCoordinatorClock(T0 + 5 * 60_000)
    await judgeNow()
    const mid = (await admin(gw, 'GET', '/rollout')).body
    expect(mid.pointer.rollout).toMatchObject({ step: 1, steps: [10, 50] })
    expect(mid.rollout.events.at(-1)).toMatchObject({ kind: 'step', weight: 50 })
    expect(mid.next_judgement_at).toBe(new Date(T0 + 6 * 60_000).toISOString())

    gw.clock.now += 2_000 // past refresh_interval: the next request refreshes in the background
    await gw.fetchAndSettle('/')
    const step2 = await traffic(gw, '/', 300, {}, 1_000)
    const atFifty = step2.filter((r) => r.version === canary).length
    expect(atFifty).toBeGreaterThan(110)
    expect(atFifty).toBeLessThan(190)
    // Sticky as the slice grows: a client in the canary at 10 % is still in it at 50 %.
    const again = await traffic(gw, '/', 300)
    step1.forEach((r, i) => r.version === canary && expect(again[i]!.version).toBe(canary))

    await flushStats(gw)
    await setCoordinatorClock(T0 + 11 * 60_000)
    await judgeNow()
    const done = (await admin(gw, 'GET', '/rollout')).body
    expect(done.pointer).toMatchObject({ version: canary })
    expect(done.pointer.rollout).toBeUndefined()
    expect(done.rollout.events.map((e: { kind: string }) => e.kind)).toEqual(['started', 'step', 'promoted'])
    gw.clock.now += 2_000
    await gw.fetchAndSettle('/')
    expect(versionsOf(await traffic(gw, '/', 50))).toEqual(new Set([canary]))
    expect(stable).toBeLessThan(canary)
  })

  it('survives an isolate restart (same clients, same versions) and an abort returns every request to stable within refresh_interval', async () => {
    const stable = (await admin(gw, 'PUT', '/config', table({ tag: 'one' }))).body.version
    const { version: canary } = await start(table({ tag: 'two' }), 'canary=50')
    const first = await traffic(gw, '/', 100)
    const restarted = makeGateway()
    const second = await traffic(restarted, '/', 100)
    expect(second.map((r) => r.version)).toEqual(first.map((r) => r.version))
    expect(versionsOf(second)).toEqual(new Set([stable, canary]))

    const aborted = await admin(gw, 'POST', '/rollout/abort', { reason: 'checking something' })
    expect(aborted.body).toMatchObject({ status: 'aborted', event: { kind: 'aborted', reason: 'checking something' } })
    expect(versionsOf(await traffic(gw, '/', 50))).toEqual(new Set([stable])) // the isolate that took the call
    restarted.clock.now += 1_000 // refresh_interval
    await restarted.fetchAndSettle('/')
    expect(versionsOf(await traffic(restarted, '/', 100))).toEqual(new Set([stable]))
    expect((await admin(gw, 'POST', '/rollout/abort')).body).toMatchObject({ code: 'ERR_ROLLOUT_CONFLICT' })
    // The aborted canary keeps its number and body: a writer that goes straight to KV numbers after it.
    const pointer = await testEnv.CONFIG.get<{ version: number; latest_version?: number }>('config/current', 'json')
    expect(pointer).toMatchObject({ version: stable, latest_version: canary })
    expect((await publish(table({ tag: 'direct' }))).version).toBe(canary + 1)
  })

  it('refuses a publish while a rollout runs, and previews a version for a request with a valid token only', async () => {
    await admin(gw, 'PUT', '/config', table({ tag: 'one' }))
    const { version: canary, stable_version } = await start(table({ tag: 'two' }), 'canary=1')
    const refused = await admin(gw, 'PUT', '/config', table({ tag: 'three' }))
    expect(refused).toMatchObject({ status: 409, body: { code: 'ERR_ROLLOUT_CONFLICT' } })

    const { body: minted } = await admin(gw, 'POST', '/rollout/preview', { version: canary, ttl: '10m' })
    const seen = await gw.fetch('/', { headers: minted.headers })
    expect([seen.status, await seen.text(), seen.headers.get('x-legate-config-version')]).toEqual([200, 'two', String(canary)])
    const old = await gw.fetch('/', { headers: { 'x-legate-config-version': String(stable_version), 'x-legate-preview-token': 'test-admin-token' } })
    expect(await old.text()).toBe('one')
    const denied = await gw.fetch('/', { headers: { 'x-legate-config-version': String(canary) } })
    expect(denied.status).toBe(403)
    expect(await denied.json()).toMatchObject({ code: 'ERR_PREVIEW_DENIED' })
    gw.clock.now += 11 * 60_000
    const expired = await gw.fetch('/', { headers: minted.headers })
    expect((await expired.json()) as object).toMatchObject({ code: 'ERR_PREVIEW_DENIED', detail: expect.stringMatching(/expired/) })
    const missing = await gw.fetch('/', { headers: { 'x-legate-config-version': '999999', 'x-legate-preview-token': 'test-admin-token' } })
    expect(missing.status).toBe(404)
  })
})

describe('linearizable publishes', () => {
  it('20 concurrent pushes get 20 distinct versions, none lost', async () => {
    const gw = makeGateway()
    await endAnyRollout(gw)
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => admin(gw, 'PUT', '/config', table({ tag: `concurrent-${i}-${Math.random()}` }))))
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    const versions = results.map((r) => r.body.version as number).sort((a, b) => a - b)
    expect(new Set(versions).size).toBe(20)
    expect(versions.at(-1)! - versions[0]!).toBe(19)
    const history = (await admin(gw, 'GET', '/config/history')).body
    for (const v of versions) expect(history.versions.some((h: { version: number }) => h.version === v)).toBe(true)
  })

  it('with If-Match, one of 20 concurrent pushes based on the same version wins and 19 are refused with what changed', async () => {
    const gw = makeGateway()
    await endAnyRollout(gw)
    const base = (await admin(gw, 'PUT', '/config', table({ tag: `base-${Math.random()}` }))).body.version
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => admin(gw, 'PUT', '/config', table({ tag: `if-match-${i}` }), { 'if-match': `"${base}"` })))
    const won = results.filter((r) => r.status === 200)
    expect(won).toHaveLength(1)
    const lost = results.filter((r) => r.status === 409)
    expect(lost).toHaveLength(19)
    for (const r of lost) {
      expect(r.body).toMatchObject({ code: 'ERR_CONFIG_CONFLICT', live_version: base + 1, published_since: [{ version: base + 1, source: 'admin' }] })
      expect(r.body.detail).toMatch(new RegExp(`based on version ${base}, but version ${base + 1} is live`))
    }
  })
})
