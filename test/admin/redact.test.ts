import { describe, expect, it } from 'vitest'
import { REDACTED, redactSecrets } from '../../src/admin/redact.ts'

describe('config_dump secret redaction', () => {
  it.each([
    ['hmac_secret', { hmac_secret: 'abc' }, { hmac_secret: REDACTED }],
    ['password', { upstream: { password: 'p' } }, { upstream: { password: REDACTED } }],
    ['…token', { access_token: 't', token: 't2' }, { access_token: REDACTED, token: REDACTED }],
    ['api key lists', { keys: [{ key: 'k1', consumer: 'a' }], api_keys: ['x'] }, { keys: REDACTED, api_keys: REDACTED }],
    ['a field named key', { consumers: [{ name: 'a', key: 'k' }] }, { consumers: [{ name: 'a', key: REDACTED }] }],
    ['credentials', { credentials: { user: 'u' } }, { credentials: REDACTED }],
    ['a credential header value', { header: { key: 'Authorization', value: 'Bearer x' } }, { header: { key: 'Authorization', value: REDACTED } }],
    ['a matcher on x-api-key', { headers: [{ name: 'x-api-key', exact: 'k' }] }, { headers: [{ name: 'x-api-key', exact: REDACTED }] }],
  ])('redacts %s', (_, input, output) => {
    expect(redactSecrets(input)).toEqual(output)
  })

  it.each([
    ['a plain header mutation', { header: { key: 'x-env', value: 'prod' } }],
    ['rate-limit token buckets', { token_bucket: { max_tokens: 10, tokens_per_fill: 5 } }],
    ['booleans such as allow_credentials', { allow_credentials: true, allow_private_network_access: false }],
    ['a header matcher on another header', { headers: [{ name: 'x-tenant', exact: 'acme' }] }],
    ['cluster and route names', { clusters: [{ name: 'tokens', endpoints: [{ url: 'https://a' }] }] }],
  ])('keeps %s', (_, input) => {
    expect(redactSecrets(input)).toEqual(input)
  })

  it('does not change its input', () => {
    const input = { hmac_secret: 's' }
    redactSecrets(input)
    expect(input.hmac_secret).toBe('s')
  })
})
