import { describe, expect, it } from 'vitest'
import { apiKeyConfig, resolveApiKeyConfig } from '../../../src/filters/api-key/index.ts'
import { describeConfig } from '../_config.ts'

describe('api_key', () => {
  describeConfig(apiKeyConfig, {
    valid: [
      { name: 'an empty config (defaults are resolved in create, see below)', input: {}, expect: {} },
      {
        name: 'a full config',
        input: {
          header: 'Authorization-Key',
          query_param: 'api_key',
          cache_ttl: '5m',
          negative_cache_ttl: '0s',
          consumer_header: 'x-consumer',
          scopes_header: 'x-consumer-scopes',
          required_scopes: ['orders:write', 'billing.read', 'a/b'],
        },
        expect: { cache_ttl: 300_000, negative_cache_ttl: 0, query_param: 'api_key' },
      },
      { name: 'a per-route override with only required scopes', input: { required_scopes: ['admin'] }, expect: { required_scopes: ['admin'] } },
    ],
    invalid: [
      { name: 'a header the gateway strips at ingress (x-legate-*)', input: { header: 'x-legate-key' }, error: 'the gateway strips client headers' },
      { name: 'a header the gateway strips at ingress (X-Envoy-*)', input: { header: 'X-Envoy-Key' }, error: 'the gateway strips client headers' },
      { name: 'a header name with a space', input: { header: 'api key' }, error: 'not a valid header name' },
      { name: 'an empty header name', input: { header: '' }, error: 'header' },
      { name: 'a query parameter with "&"', input: { query_param: 'a&b' }, error: 'query parameter names' },
      { name: 'a cache TTL over 5m (the revocation bound)', input: { cache_ttl: '10m' }, error: 'cache_ttl is at most 5m' },
      { name: 'a negative-cache TTL over 5m', input: { negative_cache_ttl: '1h' }, error: 'negative_cache_ttl is at most 5m' },
      { name: 'a TTL without a unit', input: { cache_ttl: 30 }, error: 'cache_ttl' },
      { name: 'a scope with a comma (it would split in the header)', input: { required_scopes: ['a,b'] }, error: 'scopes use' },
      { name: 'a scope with a space', input: { required_scopes: ['orders write'] }, error: 'scopes use' },
      { name: 'a consumer header with CR/LF', input: { consumer_header: 'x-c\r\nx-evil' }, error: 'not a valid header name' },
      { name: 'an unknown field', input: { hide_credentials: false }, error: 'hide_credentials' },
    ],
  })
})

describe('api_key config resolution', () => {
  const parse = (input: unknown) => apiKeyConfig.parse(input)

  it('fills in the defaults', () => {
    expect(resolveApiKeyConfig(parse({}))).toEqual({
      header: 'x-api-key',
      query_param: undefined,
      cache_ttl: 30_000,
      negative_cache_ttl: 5_000,
      consumer_header: 'x-legate-consumer',
      scopes_header: 'x-legate-scopes',
      required_scopes: [],
    })
  })
})
