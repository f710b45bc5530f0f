import { beforeAll, beforeEach, describe, expect, it, inject } from 'vitest'
import { BUILTIN_FILTERS } from '../../src/filters/registry.ts'
import { captureLog } from '../support/expect-log.ts'
import { RFC7515_A3 } from '../support/jwt-rfc-vectors.ts'
import { storeKey } from './api-key/_keys.ts'
import { type ConformanceCase, runConformance } from './_conformance.ts'

/** Stored in KV before the suite, so api_key's passing request carries a valid key. */
const CONFORMANCE_API_KEY = 'lgk_conformance-suite-key-000000000000000000000'
beforeAll(() => storeKey({}, CONFORMANCE_API_KEY))

const NO_ERRORS = { reason: 'never answers locally', tests: ['problem-reply' as const] }

/** One case per registered filter; a new filter without a case fails the first test below. */
const CASES: Record<string, ConformanceCase> = {
  request_id: { config: { also_as: ['x-correlation-id'] }, skip: [NO_ERRORS] },
  header_mutation: {
    config: {
      request_mutations: [{ append: { header: { key: 'x-a', value: '%REQUEST_ID%' } } }, { remove: 'x-b' }],
      response_mutations: [{ append: { header: { key: 'x-c', value: '1' }, append_action: 'add_if_absent' } }],
      query_parameter_mutations: { set: [{ key: 'v', value: '2' }] },
    },
    skip: [NO_ERRORS],
  },
  cors: {
    config: { allow_origin_string_match: [{ exact: 'https://app.test' }], allow_methods: 'GET, PUT' },
    passing: { headers: { origin: 'https://app.test' } },
    failing: {
      config: { allow_origin_string_match: [{ exact: 'https://app.test' }], forward_not_matching_preflights: false },
      request: { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'PUT' } },
      status: 403,
      code: 'ERR_CORS_FORBIDDEN',
    },
  },
  fault: {
    config: { abort: { http_status: 503, percentage: 0 }, delay: { fixed_delay: '1ms', percentage: 0 } },
    failing: { config: { abort: { http_status: 418 } }, request: {}, status: 418, code: 'ERR_FAULT_ABORT' },
  },
  body_limit: {
    config: { max_request_bytes: 16 },
    passing: { method: 'POST', body: 'small', headers: { 'content-length': '5' } },
    failing: {
      config: { max_request_bytes: 4 },
      request: { method: 'POST', body: 'too large', headers: { 'content-length': '9' } },
      status: 413,
      code: 'ERR_BODY_TOO_LARGE',
    },
  },
  jwt_authn: {
    // RFC 7515 A.3's public P-256 key as a local JWKS; no token: passes under allow_missing, 401 otherwise.
    config: { providers: { p: { local_jwks: { keys: [RFC7515_A3.jwk] } } }, requires: { allow_missing: true } },
    failing: { config: { providers: { p: { local_jwks: { keys: [RFC7515_A3.jwk] } } } }, request: {}, status: 401, code: 'ERR_JWT_MISSING' },
  },
  ip_filter: {
    config: { deny: { cidrs: ['192.0.2.0/24'] } },
    failing: { config: { deny: { cidrs: ['192.0.2.0/24'] } }, request: { clientAddress: '192.0.2.1' }, status: 403, code: 'ERR_IP_FILTER_DENIED' },
  },
  api_key: {
    config: {},
    passing: { headers: { 'x-api-key': CONFORMANCE_API_KEY } },
    failing: { config: {}, request: {}, status: 401, code: 'ERR_API_KEY_MISSING' },
  },
  rate_limit: {
    // Local mode (no object) with room to spare; the failing case is the service failure reply (deny, no binding).
    config: { domain: 'conformance', rate_limits: [{ name: 'l', actions: [{ remote_address: {} }], mode: 'local', token_bucket: { max_tokens: 1000, fill_interval: '1s' } }] },
    failing: {
      config: { domain: 'conformance', durable_object_binding: 'NO_SUCH_BINDING', failure_mode: 'deny', rate_limits: [{ name: 'l', actions: [{ remote_address: {} }], mode: 'exact', sliding_window: { requests_per_unit: 10, unit: 'second' } }] },
      request: {},
      status: 503,
      code: 'ERR_RATE_LIMIT_SERVICE',
    },
  },
  openapi_validation: {
    config: { operation: { path: '/', parameters: [{ name: 'n', in: 'query', schema: { type: 'integer' } }] } },
    passing: { url: '/?n=1' },
    failing: { config: { operation: { path: '/', parameters: [{ name: 'n', in: 'query', required: true }] } }, request: {}, status: 400, code: 'ERR_OPENAPI_INVALID_REQUEST' },
  },
  cache: {
    // no-cache: the request goes on (a plain GET could be a HIT on what an earlier case stored).
    config: { default_ttl: '1s', key: { headers: ['accept-language'] } },
    passing: { headers: { 'cache-control': 'no-cache' } },
    skip: [NO_ERRORS],
  },
  ext_authz: {
    // The real authz test service: no `authz` query allows, `deny-empty-403` denies without a body.
    config: { url: inject('authz') },
    failing: { config: { url: inject('authz') }, request: { url: '/?authz=deny-empty-403' }, status: 403, code: 'ERR_EXT_AUTHZ_DENIED' },
  },
}

describe('filter registry', () => {
  it('has a conformance case for every built-in filter, and names are unique', () => {
    const names = BUILTIN_FILTERS.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.filter((n) => !CASES[n])).toEqual([])
  })
})

// Failing cases make a filter log its degraded mode (rate_limit with no object binding): held back, printed if a
// test fails.
beforeEach(() => void captureLog())

for (const factory of BUILTIN_FILTERS) {
  const c = CASES[factory.name]
  if (c) runConformance(factory, c)
}
