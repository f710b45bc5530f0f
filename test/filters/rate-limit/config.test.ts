import { describe, expect, it } from 'vitest'
import { rateLimitConfig } from '../../../src/filters/rate-limit/index.ts'
import { compileLimits } from '../../../src/filters/rate-limit/compile.ts'
import { describeConfig } from '../_config.ts'

const ip = [{ remote_address: {} }]
const window = { requests_per_unit: 100, unit: 'minute' }
const limit = (extra: Record<string, unknown> = {}) => ({ name: 'l', actions: ip, sliding_window: window, ...extra })
const one = (extra: Record<string, unknown> = {}) => ({ rate_limits: [limit(extra)] })

describeConfig(rateLimitConfig, {
  valid: [
    {
      name: 'a sliding window with Envoy defaults',
      input: one(),
      expect: { domain: 'legate', timeout: 20, failure_mode: 'allow', status_on_error: 503, rate_limited_status: 429, shards: 16, ratelimit_headers: 'always', durable_object_binding: 'RATE_LIMITER', lease: { ttl: 1000, max_fraction: 0.05 } },
    },
    { name: 'a token bucket', input: { rate_limits: [{ name: 'b', actions: ip, token_bucket: { max_tokens: 10, fill_interval: '100ms' } }] }, expect: { rate_limits: [{ token_bucket: { tokens_per_fill: 1, fill_interval: 100 }, mode: 'auto', hits_addend: 1 }] } },
    { name: 'the Workers binding', input: { rate_limits: [{ name: 'c', actions: ip, workers_ratelimit: { binding: 'RL', limit: 100, period: 10 } }] } },
    {
      name: 'every action',
      input: one({
        actions: [
          { remote_address: {} },
          { masked_remote_address: { v4_prefix_mask_len: 24 } },
          { request_headers: { header_name: 'X-Tenant', descriptor_key: 'tenant', skip_if_absent: true } },
          { query_parameters: { query_parameter_name: 'key' } },
          { generic_key: { descriptor_value: 'all' } },
          { header_value_match: { descriptor_value: 'mobile', headers: [{ name: 'user-agent', contains: 'Mobile' }], expect_match: false } },
          { route_name: {} },
          { method: {} },
          { jwt_claim: { provider: 'auth0', claim: 'org.id' } },
          { api_key_consumer: {} },
        ],
      }),
      expect: {
        rate_limits: [
          {
            actions: [
              {},
              { masked_remote_address: { v6_prefix_mask_len: 128 } },
              { request_headers: { skip_if_absent: true } },
              { query_parameters: { skip_if_absent: false } },
              { generic_key: { descriptor_key: 'generic_key' } },
              { header_value_match: { descriptor_key: 'header_match', expect_match: false } },
              {},
              {},
              { jwt_claim: { skip_if_absent: false } },
              { api_key_consumer: { descriptor_key: 'consumer' } },
            ],
          },
        ],
      },
    },
    { name: 'modes, shadow, cost', input: one({ mode: 'leased', shadow_mode: true, hits_addend: 100 }) },
    { name: 'failure and header options', input: { ...one(), failure_mode: 'deny', status_on_error: 503, ratelimit_headers: 'off', timeout: '50ms', shards: 64, lease: { ttl: '250ms', max_fraction: 0.5 } } },
  ],
  invalid: [
    { name: 'no limits', input: { rate_limits: [] }, error: 'rate_limits' },
    { name: 'no limit kind', input: { rate_limits: [{ name: 'l', actions: ip }] }, error: 'set exactly one of token_bucket, sliding_window, workers_ratelimit (got none)' },
    { name: 'two limit kinds', input: one({ token_bucket: { max_tokens: 1, fill_interval: '1s' } }), error: 'got token_bucket, sliding_window' },
    { name: 'no actions', input: one({ actions: [] }), error: 'actions' },
    { name: 'an action with two kinds', input: one({ actions: [{ remote_address: {}, method: {} }] }), error: 'set exactly one action' },
    { name: 'an unknown action', input: one({ actions: [{ source_cluster: {} }] }), error: 'source_cluster' },
    { name: 'a fill interval under 50ms (Envoy)', input: { rate_limits: [{ name: 'b', actions: ip, token_bucket: { max_tokens: 1, fill_interval: '10ms' } }] }, error: 'at least 50ms' },
    { name: 'a cost above the capacity', input: one({ hits_addend: 101 }), error: 'hits_addend 101 exceeds' },
    { name: 'duplicate names', input: { rate_limits: [limit(), limit()] }, error: 'duplicate limit name "l"' },
    { name: 'a name that would need escaping in headers', input: one({ name: 'per ip' }), error: 'limit names use' },
    { name: 'a binding period other than 10 or 60', input: { rate_limits: [{ name: 'c', actions: ip, workers_ratelimit: { binding: 'RL', limit: 1, period: 30 } }] }, error: 'workers_ratelimit.period' },
    { name: 'a mode with the binding', input: { rate_limits: [{ name: 'c', actions: ip, mode: 'exact', workers_ratelimit: { binding: 'RL', limit: 1, period: 10 } }] }, error: 'mode does not apply' },
    { name: 'an unknown unit', input: one({ sliding_window: { requests_per_unit: 1, unit: 'week' } }), error: 'unit' },
    { name: 'a mask over 32 bits', input: one({ actions: [{ masked_remote_address: { v4_prefix_mask_len: 33 } }] }), error: 'v4_prefix_mask_len' },
    { name: 'a header match without headers', input: one({ actions: [{ header_value_match: { descriptor_value: 'x', headers: [] } }] }), error: 'headers' },
    { name: 'a lease fraction of 0', input: { ...one(), lease: { max_fraction: 0 } }, error: 'max_fraction' },
    { name: 'zero shards', input: { ...one(), shards: 0 }, error: 'shards' },
    { name: 'an unknown field', input: { ...one(), stat_prefix: 'x' }, error: 'stat_prefix' },
  ],
})

describe('compiled limits', () => {
  const compile = (input: unknown) => compileLimits(rateLimitConfig.parse(input))

  it('auto picks leased when a lease may hold 10 units or more, exact otherwise', () => {
    expect(compile(one({ sliding_window: { requests_per_unit: 200, unit: 'minute' } }))[0]!.mode).toBe('leased')
    expect(compile(one({ sliding_window: { requests_per_unit: 199, unit: 'minute' } }))[0]!.mode).toBe('exact')
    expect(compile({ ...one(), lease: { max_fraction: 0.1 } })[0]!.mode).toBe('leased')
    expect(compile(one({ mode: 'local' }))[0]!.mode).toBe('local')
  })

  it('prefixes keys with the domain, the name and the algorithm (a changed window starts new counts)', () => {
    expect(compile({ ...one(), domain: 'shop' })[0]!.keyPrefix).toBe('shop/l/sw60000/')
    expect(compile({ rate_limits: [{ name: 'b', actions: ip, token_bucket: { max_tokens: 5, fill_interval: '1s' } }] })[0]!.keyPrefix).toBe('legate/b/tb/')
  })
})
