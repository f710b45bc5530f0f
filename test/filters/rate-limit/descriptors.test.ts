import { describe, expect, it } from 'vitest'
import { type RateLimitAction, rateLimitAction } from '../../../src/filters/rate-limit/config.ts'
import { compileDescriptor } from '../../../src/filters/rate-limit/descriptors.ts'
import { policyItem, rateLimitItem, toSeconds } from '../../../src/filters/rate-limit/headers.ts'
import type { RequestContext } from '../../../src/filters/types.ts'
import { type ContextInit, makeContext } from '../_context.ts'

const describe_ = (actions: unknown[], init: ContextInit = {}, identity: RequestContext['identity'] = {}) => {
  const parsed = actions.map((a) => rateLimitAction.parse(a)) as RateLimitAction[]
  const rc = { ...makeContext(init), identity }
  return compileDescriptor(parsed)({ rc })
}
const entries = (d: string | null) => (d === null ? null : (JSON.parse(d) as string[]))

describe('descriptor actions', () => {
  it.each<[string, unknown, ContextInit, string[] | null]>([
    ['remote_address', { remote_address: {} }, { clientAddress: '198.51.100.7' }, ['remote_address', '198.51.100.7']],
    ['masked_remote_address', { masked_remote_address: { v4_prefix_mask_len: 24 } }, { clientAddress: '198.51.100.7' }, ['masked_remote_address', '198.51.100.0/24']],
    ['request_headers (name lower-cased, default key)', { request_headers: { header_name: 'X-Tenant' } }, { headers: { 'x-tenant': 'acme' } }, ['x-tenant', 'acme']],
    ['request_headers absent', { request_headers: { header_name: 'x-tenant' } }, {}, null],
    ['request_headers absent, skip_if_absent', { request_headers: { header_name: 'x-tenant', skip_if_absent: true } }, {}, []],
    ['query_parameters (as received)', { query_parameters: { query_parameter_name: 'key', descriptor_key: 'k' } }, { url: '/?key=a%20b&key=c' }, ['k', 'a%20b']],
    ['query_parameters absent', { query_parameters: { query_parameter_name: 'key' } }, { url: '/?other=1' }, null],
    ['generic_key', { generic_key: { descriptor_value: 'all' } }, {}, ['generic_key', 'all']],
    ['header_value_match, matching', { header_value_match: { descriptor_value: 'mobile', headers: [{ name: 'user-agent', contains: 'Mobile' }] } }, { headers: { 'user-agent': 'x Mobile y' } }, ['header_match', 'mobile']],
    ['header_value_match, not matching', { header_value_match: { descriptor_value: 'mobile', headers: [{ name: 'user-agent', contains: 'Mobile' }] } }, {}, null],
    ['header_value_match, expect_match false', { header_value_match: { descriptor_value: 'desktop', headers: [{ name: 'user-agent', contains: 'Mobile' }], expect_match: false } }, {}, ['header_match', 'desktop']],
    ['route_name', { route_name: {} }, { routeName: 'api/orders' }, ['route_name', 'api/orders']],
    ['method', { method: {} }, { method: 'POST' }, ['method', 'POST']],
  ])('%s', (_name, action, init, want) => {
    expect(entries(describe_([action], init))).toEqual(want)
  })

  it('reads JWT claims by provider and dotted path; numbers, booleans and objects become strings', () => {
    const claims = { auth0: { sub: 'u1', org: { id: 42, admin: true, teams: ['a', 'b'] } } }
    const action = (claim: string) => [{ jwt_claim: { provider: 'auth0', claim } }]
    expect(entries(describe_(action('sub'), {}, { claims }))).toEqual(['sub', 'u1'])
    expect(entries(describe_(action('org.id'), {}, { claims }))).toEqual(['org.id', '42'])
    expect(entries(describe_(action('org.admin'), {}, { claims }))).toEqual(['org.admin', 'true'])
    expect(entries(describe_(action('org.teams'), {}, { claims }))).toEqual(['org.teams', '["a","b"]'])
    expect(describe_(action('org.missing'), {}, { claims })).toBeNull()
    expect(describe_([{ jwt_claim: { provider: 'other', claim: 'sub' } }], {}, { claims })).toBeNull()
    expect(describe_(action('sub.deeper'), {}, { claims })).toBeNull()
  })

  it('reads the API key consumer', () => {
    expect(entries(describe_([{ api_key_consumer: {} }], {}, { consumer: 'alice' }))).toEqual(['consumer', 'alice'])
    expect(describe_([{ api_key_consumer: {} }])).toBeNull()
    expect(entries(describe_([{ api_key_consumer: { skip_if_absent: true } }]))).toEqual([])
  })

  it('keeps entry order and is unambiguous whatever the values contain', () => {
    const a = describe_([{ request_headers: { header_name: 'a' } }, { request_headers: { header_name: 'b' } }], { headers: { a: 'x","b', b: 'y' } })
    const b = describe_([{ request_headers: { header_name: 'a' } }, { request_headers: { header_name: 'b' } }], { headers: { a: 'x', b: 'b","y' } })
    expect(a).not.toBe(b)
    expect(entries(a)).toEqual(['a', 'x","b', 'b', 'y'])
  })
})

describe('IETF header items', () => {
  it('renders policy and state items with integer seconds rounded up', () => {
    expect(policyItem('per-ip', 100, 60_000)).toBe('"per-ip";q=100;w=60')
    expect(policyItem('fast', 5, 100)).toBe('"fast";q=5;w=1')
    expect(rateLimitItem('per-ip', 41.7, 12_001)).toBe('"per-ip";r=41;t=13')
    expect(rateLimitItem('per-ip', -1, 0)).toBe('"per-ip";r=0;t=0')
    expect(toSeconds(1)).toBe(1)
  })
})
