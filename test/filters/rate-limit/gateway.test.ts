import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineFilter } from '../../../src/filters/types.ts'
import { echoOf, makeGateway, publish, upstreams } from '../../support/gateway.ts'
import { parseSfList, retryAfterSeconds, warmUp } from './_helpers.ts'
import { captureLog } from '../../support/expect-log.ts'

beforeAll(warmUp, 60_000)

/** Stands for an auth filter (api_key, jwt_authn): sets rc.identity before rate_limit runs. */
const whoFilter = defineFilter({
  name: 'who',
  status: 'alpha',
  description: 'Test identity: the consumer named by x-consumer.',
  configSchema: z.strictObject({}),
  create() {
    return {
      onRequest(rc) {
        const consumer = rc.headers.get('x-consumer')
        if (consumer) rc.identity.consumer = consumer
      },
    }
  },
})

function table(domain: string, extra: Record<string, unknown> = {}) {
  return {
    http_filters: [
      { name: 'who' },
      {
        name: 'rate_limit',
        config: {
          domain,
          timeout: '5s',
          rate_limits: [{ name: 'per-consumer', actions: [{ api_key_consumer: {} }], sliding_window: { requests_per_unit: 2, unit: 'minute' }, mode: 'exact' }],
          ...extra,
        },
      },
    ],
    clusters: [{ name: 'echo', endpoints: [{ url: upstreams().echo[0] }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          { name: 'free', match: { prefix: '/free' }, filters: { rate_limit: false }, forward: { cluster: 'echo' } },
          {
            name: 'strict',
            match: { prefix: '/strict' },
            filters: { rate_limit: { domain, timeout: '5s', rate_limits: [{ name: 'route', actions: [{ route_name: {} }], token_bucket: { max_tokens: 1, fill_interval: '1h' }, mode: 'exact' }] } },
            forward: { cluster: 'echo' },
          },
          { name: 'api', match: { prefix: '/' }, forward: { cluster: 'echo' } },
        ],
      },
    ],
  }
}

describe('rate_limit in the gateway chain', () => {
  it('limits per consumer after the identity filter, with headers on the upstream response and a 429 problem', async () => {
    await publish(table('gw-chain'))
    const gw = makeGateway({ filters: [whoFilter] })
    const alice = { headers: { 'x-consumer': 'alice' } }
    const first = await gw.fetch('/a', alice)
    expect(first.status).toBe(200)
    expect((await echoOf(first.clone())).url).toBe('/a')
    expect(parseSfList(first.headers.get('ratelimit-policy'))).toEqual([{ name: 'per-consumer', params: { q: 2, w: 60 } }])
    expect(parseSfList(first.headers.get('ratelimit'))[0]!.params.r).toBe(1)
    expect((await gw.fetch('/a', alice)).status).toBe(200)

    const refused = await gw.fetch('/a', alice)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-legate-response-flags')).toBe('RL')
    const body = (await refused.json()) as Record<string, unknown>
    expect(body).toMatchObject({ code: 'ERR_RATE_LIMITED', status: 429, response_flags: 'RL', request_id: refused.headers.get('x-request-id') })
    expect(retryAfterSeconds(refused)).toBeGreaterThanOrEqual(parseSfList(refused.headers.get('ratelimit'))[0]!.params.t!)

    expect((await gw.fetch('/a', { headers: { 'x-consumer': 'bob' } })).status).toBe(200)
    // No identity: the limit does not apply (its only action finds nothing).
    const anonymous = await gw.fetch('/a')
    expect(anonymous.status).toBe(200)
    expect(anonymous.headers.get('ratelimit')).toBeNull()
    expect(gw.gateway.stats.counters.get('rate_limit.over_limit')).toBe(1)
    expect(gw.gateway.stats.counters.get('rate_limit.do_calls')).toBe(4)
  })

  it('follows per-route overrides: disabled on one route, other limits on another', async () => {
    await publish(table('gw-routes'))
    const gw = makeGateway({ filters: [whoFilter] })
    const carol = { headers: { 'x-consumer': 'carol' } }
    for (let i = 0; i < 4; i++) expect((await gw.fetch('/free', carol)).status).toBe(200)
    expect((await gw.fetch('/strict', carol)).status).toBe(200)
    const refused = await gw.fetch('/strict/x')
    expect(refused.status).toBe(429)
    expect(parseSfList(refused.headers.get('ratelimit-policy'))).toEqual([{ name: 'route', params: { q: 1, w: 3600 } }])
  })

  it('fails open with flag RLSE when the objects cannot be reached', async () => {
    const log = captureLog()
    await publish(table('gw-open', { durable_object_binding: 'NO_SUCH_BINDING' }))
    const res = await makeGateway({ filters: [whoFilter] }).fetch('/a', { headers: { 'x-consumer': 'dave' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-legate-response-flags')).toBe('RLSE')
    expect(log.msgs()).toEqual(['rate limit service call failed'])
  })

  it('in leased mode most requests make no object call (the gateway clock drives lease expiry)', async () => {
    await publish(
      table('gw-leased', {
        rate_limits: [{ name: 'ip', actions: [{ remote_address: {} }], sliding_window: { requests_per_unit: 10_000, unit: 'minute' }, mode: 'leased' }],
      })
    )
    const gw = makeGateway({ filters: [whoFilter] })
    for (let i = 0; i < 100; i++) {
      gw.clock.now += 5
      expect((await gw.fetchAndSettle('/a')).status).toBe(200)
    }
    expect(gw.gateway.stats.counters.get('rate_limit.do_calls')).toBeLessThanOrEqual(5)
  })
})
