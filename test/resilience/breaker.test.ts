import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { makeGateway, publish, upstreams } from '../support/gateway.ts'
import { attemptsOf, behave, counter, newKey, problemOf, table, testEnv } from './helpers.ts'

const SYNC_NOW = { snapshot_ttl: '0s', report_interval: '0s' }
const breaker = (o: Record<string, unknown> = {}) => ({
  failure_rate_breaker: { sliding_window_size: 4, minimum_calls: 4, failure_rate_threshold: 50, wait_duration_in_open: '10s', permitted_calls_in_half_open: 2, ...o },
  state_sync: SYNC_NOW,
})

describe('the shared failure-rate breaker', () => {
  it('opens on the failure rate, fails fast without calling the upstream, half-opens after the wait, closes on good trial calls', async () => {
    const key = newKey()
    const name = `b-${key}`
    await publish(table(upstreams().echo, { name, cluster: breaker() }))
    const gw = makeGateway()
    const fail = behave(`fail-times=4;key=${key}`)
    for (let i = 0; i < 4; i++) expect((await gw.fetchAndSettle('/x', fail)).status).toBe(503)
    // CLOSED → OPEN in the Durable Object after the 4th outcome; the snapshot came back with that report.
    const stub = testEnv.CLUSTER_HEALTH.getByName(name)
    expect((await stub.snapshot(gw.clock.now)).snapshot.breaker).toMatchObject({ phase: 'open', failureRate: 100 })

    const open = await gw.fetchAndSettle('/x', fail)
    expect(open.status).toBe(503)
    expect(open.headers.get('x-legate-response-flags')).toBe('UO')
    expect(open.headers.get('retry-after')).toBe('10')
    expect((await problemOf(open)).code).toBe('ERR_CIRCUIT_OPEN')
    expect((await attemptsOf(key)).attempts).toBe(4)
    expect(counter(gw, `cluster.${name}.circuit_breakers.failure_rate.rejected`)).toBe(1)

    // OPEN → HALF_OPEN after wait_duration_in_open: 2 trial calls per isolate, the 3rd is refused.
    gw.clock.now += 10_000
    const trials = [gw.fetchAndSettle('/x', behave(`delay=100;key=${key}`)), gw.fetchAndSettle('/x', behave(`delay=100;key=${key}`))]
    const third = await gw.fetchAndSettle('/x', fail)
    expect(third.status).toBe(503)
    expect((await problemOf(third)).detail).toContain('half-open')
    expect((await Promise.all(trials)).map((r) => r.status)).toEqual([200, 200])
    expect((await stub.snapshot(gw.clock.now)).snapshot.breaker.phase).toBe('closed')

    expect((await gw.fetchAndSettle('/x', fail)).status).toBe(200)
    expect((await attemptsOf(key)).attempts).toBe(7)
  })

  it('re-opens when the half-open trial calls fail', async () => {
    const key = newKey()
    const name = `b-${key}`
    await publish(table(upstreams().echo, { name, cluster: breaker() }))
    const gw = makeGateway()
    for (let i = 0; i < 4; i++) await gw.fetchAndSettle('/x', behave(`status=500;key=${key}`))
    gw.clock.now += 10_000
    for (let i = 0; i < 2; i++) expect((await gw.fetchAndSettle('/x', behave(`status=500;key=${key}`))).status).toBe(500)
    const snap = (await testEnv.CLUSTER_HEALTH.getByName(name).snapshot(gw.clock.now)).snapshot
    expect(snap.breaker).toMatchObject({ phase: 'open', openUntil: gw.clock.now + 10_000 })
    expect((await gw.fetchAndSettle('/x', behave(`key=${key}`))).status).toBe(503)
    expect((await attemptsOf(key)).attempts).toBe(6)
  })

  it('opens on slow calls too (slow_call_duration, slow_call_rate_threshold)', async () => {
    const key = newKey()
    const name = `b-${key}`
    await publish(table(upstreams().echo, { name, cluster: breaker({ slow_call_duration: '30ms', slow_call_rate_threshold: 50 }) }))
    const gw = makeGateway()
    for (let i = 0; i < 4; i++) expect((await gw.fetchAndSettle('/x', behave(`delay=60;key=${key}`))).status).toBe(200)
    expect((await gw.fetchAndSettle('/x')).status).toBe(503)
    expect((await testEnv.CLUSTER_HEALTH.getByName(name).snapshot(gw.clock.now)).snapshot.breaker).toMatchObject({ phase: 'open', slowRate: 100, failureRate: 0 })
  })

  it('never counts the gateway’s own local replies (overflow 503s) as failures', async () => {
    const key = newKey()
    const name = `b-${key}`
    await publish(table(upstreams().echo, { name, cluster: { ...breaker({ minimum_calls: 2, sliding_window_size: 2 }), circuit_breakers: { max_requests: 1 } } }))
    const gw = makeGateway()
    await gw.fetchAndSettle('/warm-up')
    const slow = gw.fetchAndSettle('/x', behave(`delay=100;key=${key}`))
    const overflows = await Promise.all([1, 2, 3].map(() => gw.fetchAndSettle('/x', behave(`key=${key}`))))
    expect(overflows.map((r) => r.status)).toEqual([503, 503, 503])
    expect((await slow).status).toBe(200)
    expect((await gw.fetchAndSettle('/x')).status).toBe(200)
    const snap = (await testEnv.CLUSTER_HEALTH.getByName(name).snapshot(gw.clock.now)).snapshot
    expect(snap.breaker.phase).toBe('closed')
    expect(snap.breaker).toMatchObject({ calls: 2, failureRate: 0 })
  })

  it('keeps the state in SQLite', async () => {
    const key = newKey()
    const name = `b-${key}`
    await publish(table(upstreams().echo, { name, cluster: breaker() }))
    const gw = makeGateway()
    for (let i = 0; i < 4; i++) await gw.fetchAndSettle('/x', behave(`status=503;key=${key}`))
    const stored = await runInDurableObject(testEnv.CLUSTER_HEALTH.getByName(name), (_, state) =>
      state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'state'").one()
    )
    expect(JSON.parse(stored.v).breaker).toMatchObject({ phase: 'open' })
  })
})
