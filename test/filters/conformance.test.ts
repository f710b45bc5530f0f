import { describe, expect, it } from 'vitest'
import { BUILTIN_FILTERS } from '../../src/filters/registry.ts'
import { type ConformanceCase, runConformance } from './_conformance.ts'

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
}

describe('filter registry', () => {
  it('has a conformance case for every built-in filter, and names are unique', () => {
    const names = BUILTIN_FILTERS.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.filter((n) => !CASES[n])).toEqual([])
  })
})

for (const factory of BUILTIN_FILTERS) {
  const c = CASES[factory.name]
  if (c) runConformance(factory, c)
}
