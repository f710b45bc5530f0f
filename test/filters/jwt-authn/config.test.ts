import { describe, expect, it } from 'vitest'
import { jwtAuthnConfig } from '../../../src/filters/jwt-authn/index.ts'
import { RFC7515_A2, RFC7515_A3 } from '../../support/jwt-rfc-vectors.ts'
import { describeConfig } from '../_config.ts'
import { buildJwt } from './_helpers.ts'

const remote = { remote_jwks: { uri: 'https://id.example/.well-known/jwks.json' } }
const local = { local_jwks: { keys: [RFC7515_A3.jwk] } }
const secret = 'a'.repeat(32)
const hmac = { hmac_secret: { inline: secret } }

describe('jwt_authn', () => {
  describeConfig(jwtAuthnConfig, {
    valid: [
      {
        name: 'a remote provider, with Envoy defaults (and require_expiration on)',
        input: { providers: { auth: { issuer: 'https://id.example', ...remote } } },
        expect: {
          providers: {
            auth: {
              remote_jwks: { timeout: 5000, cache_duration: 600_000, refetch_cooldown: 30_000, failed_refetch_duration: 1000 },
              forward: false,
              clock_skew: 60_000,
              require_expiration: true,
              max_token_size: 8192,
              jwt_cache_size: 100,
              max_candidate_keys: 10,
              claim_to_headers: [],
            },
          },
        },
      },
      { name: 'a remote JWKS through a cluster', input: { providers: { a: { remote_jwks: { cluster: 'idp', path: '/jwks' } } } } },
      { name: 'a local JWKS', input: { providers: { a: local } } },
      { name: 'an HMAC secret from a Worker secret', input: { providers: { a: { hmac_secret: { env: 'JWT_SECRET' } } } } },
      { name: 'an inline base64url HMAC secret of 64 bytes for HS512', input: { providers: { a: { hmac_secret: { inline: 'A'.repeat(86), encoding: 'base64url' }, algorithms: ['HS512'] } } } },
      {
        name: 'every location, forward, payload and claim headers',
        input: {
          providers: {
            a: {
              ...remote,
              audiences: ['api', 'web'],
              from_headers: [{ name: 'x-jwt', value_prefix: 'JWT ' }],
              from_params: ['access_token'],
              from_cookies: ['session'],
              forward: true,
              forward_payload_header: 'x-jwt-payload',
              claim_to_headers: [{ header_name: 'x-tenant', claim_name: 'org.tenant.id' }],
              clock_skew: '5s',
              algorithms: ['RS256', 'ES256'],
            },
          },
        },
      },
      {
        name: 'nested requirements',
        input: {
          providers: { a: remote, b: local },
          requires: {
            requires_any: [
              { requires_all: [{ provider: 'a', scopes: ['orders:write'] }, { provider: 'b', claims: [{ name: 'org.tier', values: ['gold'] }] }] },
              { allow_missing: true },
            ],
          },
        },
      },
      { name: 'an override with only requires (providers come from the http_filters entry)', input: { requires: { provider: 'a', audiences: ['x'] } } },
      { name: 'an override with allow_missing_or_failed', input: { requires: { allow_missing_or_failed: true } } },
      { name: 'a realm', input: { providers: { a: local }, realm: 'api.example.com' } },
      {
        name: 'max_token_age, a whole-second clock_skew in ms, max_candidate_keys (issue 12 §5)',
        input: { providers: { a: { ...local, max_token_age: '15m', clock_skew: '2000ms', max_candidate_keys: 100 } } },
        expect: { providers: { a: { max_token_age: 900_000, clock_skew: 2000, max_candidate_keys: 100 } } },
      },
    ],
    invalid: [
      { name: 'an empty config (nothing to do)', input: {}, error: 'set providers' },
      { name: 'no providers', input: { providers: {} }, error: 'at least one provider' },
      { name: 'a provider without keys', input: { providers: { a: { issuer: 'x' } } }, error: 'exactly one of remote_jwks, local_jwks, hmac_secret' },
      { name: 'two key sources', input: { providers: { a: { ...remote, ...local } } }, error: 'got remote_jwks, local_jwks' },
      { name: 'alg none', input: { providers: { a: { ...remote, algorithms: ['none'] } } }, error: 'algorithms.0' },
      { name: 'HS256 with a JWKS (key confusion)', input: { providers: { a: { ...remote, algorithms: ['RS256', 'HS256'] } } }, error: 'HS256 need hmac_secret' },
      { name: 'RS256 with an HMAC secret', input: { providers: { a: { ...hmac, algorithms: ['RS256'] } } }, error: 'RS256 need a JWKS' },
      { name: 'an HMAC secret shorter than the hash', input: { providers: { a: { hmac_secret: { inline: 'short-secret' } } } }, error: 'at least 32 bytes' },
      { name: 'a 32-byte secret for HS512', input: { providers: { a: { ...hmac, algorithms: ['HS256', 'HS512'] } } }, error: 'at least 64 bytes' },
      { name: 'an HMAC secret both inline and from env', input: { providers: { a: { hmac_secret: { inline: secret, env: 'X' } } } }, error: 'exactly one of env, inline' },
      { name: 'a remote JWKS with both uri and cluster', input: { providers: { a: { remote_jwks: { uri: 'https://x.test/j', cluster: 'c', path: '/j' } } } }, error: 'exactly one of uri, cluster' },
      { name: 'a cluster JWKS without path', input: { providers: { a: { remote_jwks: { cluster: 'c' } } } }, error: 'path goes with cluster' },
      { name: 'a JWKS uri that is not http(s)', input: { providers: { a: { remote_jwks: { uri: 'file:///etc/passwd' } } } }, error: 'uri' },
      { name: 'a local JWKS with only an HMAC key', input: { providers: { a: { local_jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } } } }, error: 'no usable key' },
      { name: 'a local JWKS whose keys the algorithms exclude', input: { providers: { a: { local_jwks: { keys: [RFC7515_A2.jwk] }, algorithms: ['ES256'] } } }, error: 'no usable key' },
      { name: 'a requirement naming an unknown provider', input: { providers: { a: local }, requires: { provider: 'b' } }, error: 'unknown provider "b"' },
      { name: 'a requirement with two kinds', input: { requires: { provider: 'a', allow_missing: true } }, error: 'exactly one of' },
      { name: 'requires_any with one child', input: { requires: { requires_any: [{ provider: 'a' }] } }, error: 'requires_any' },
      { name: 'scopes without provider', input: { requires: { allow_missing: true, scopes: ['x'] } }, error: 'go with provider' },
      { name: 'a scope with a quote', input: { requires: { provider: 'a', scopes: ['a"b'] } }, error: 'scope' },
      { name: 'allow_missing: false', input: { requires: { allow_missing: false } }, error: 'allow_missing' },
      { name: 'a claim header with an invalid name', input: { providers: { a: { ...local, claim_to_headers: [{ header_name: 'x y', claim_name: 'sub' }] } } }, error: 'header_name' },
      { name: 'claims written into the header the token is read from', input: { providers: { a: { ...local, claim_to_headers: [{ header_name: 'Authorization', claim_name: 'sub' }] } } }, error: 'cannot also receive claims' },
      { name: 'a realm with a quote', input: { providers: { a: local }, realm: 'x"y' }, error: 'realm' },
      { name: 'a tiny max_token_size', input: { providers: { a: { ...local, max_token_size: 10 } } }, error: 'max_token_size' },
      { name: 'a provider named __proto__ (dropped, never a prototype)', input: { providers: JSON.parse('{"__proto__": {"hmac_secret": {"env": "X"}}}') }, error: 'providers' },
      { name: 'a provider named constructor', input: { providers: { constructor: { hmac_secret: { env: 'X' } } } }, error: 'providers.constructor' },
      // Issue 12 §5: a sub-second clock_skew was rounded to whole seconds silently ("400ms" became no skew at all).
      { name: 'a sub-second clock_skew', input: { providers: { a: { ...local, clock_skew: '400ms' } } }, error: 'whole number of seconds' },
      { name: 'a fractional clock_skew', input: { providers: { a: { ...local, clock_skew: '1.5s' } } }, error: 'providers.a.clock_skew' },
      { name: 'a clock_skew over an hour', input: { providers: { a: { ...local, clock_skew: '2h' } } }, error: 'at most 1h' },
      { name: 'a clock_skew too large to be finite', input: { providers: { a: { ...local, clock_skew: `${'9'.repeat(400)}h` } } }, error: 'clock_skew' },
      { name: 'a max_token_age of 0s', input: { providers: { a: { ...local, max_token_age: '0s' } } }, error: 'at least 1s' },
      { name: 'a sub-second max_token_age', input: { providers: { a: { ...local, max_token_age: '1500ms' } } }, error: 'whole number of seconds' },
      { name: 'a max_token_age that is a number', input: { providers: { a: { ...local, max_token_age: 60 } } }, error: 'max_token_age' },
      { name: 'max_candidate_keys 0', input: { providers: { a: { ...local, max_candidate_keys: 0 } } }, error: 'max_candidate_keys' },
      { name: 'max_candidate_keys over the JWKS size limit', input: { providers: { a: { ...local, max_candidate_keys: 101 } } }, error: 'max_candidate_keys' },
      { name: 'an unknown provider field', input: { providers: { a: { ...local, jwks_uri: 'x' } } }, error: 'jwks_uri' },
    ],
  })

  describe('compile', () => {
    it('lets a route override inherit providers from the http_filters entry', () => {
      expect(() => buildJwt({ requires: { provider: 'a', scopes: ['x'] } }, { base: { providers: { a: local } } })).not.toThrow()
    })

    it('refuses an override that names a provider the entry does not define', () => {
      expect(() => buildJwt({ requires: { provider: 'b' } }, { base: { providers: { a: local } } })).toThrow('unknown provider \\"b\\" (known: a)')
    })

    it('refuses a config that ends up without providers', () => {
      expect(() => buildJwt({ requires: { provider: 'a' } })).toThrow('no providers')
    })

    it('refuses a remote JWKS on a cluster the config does not have', () => {
      expect(() => buildJwt({ providers: { a: { remote_jwks: { cluster: 'nope', path: '/j' } } } }, { clusters: new Map() })).toThrow('"nope" is not a cluster')
    })
  })
})
