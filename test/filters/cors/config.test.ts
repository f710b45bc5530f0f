import { describe } from 'vitest'
import { corsConfig } from '../../../src/filters/cors/index.ts'
import { describeConfig } from '../_config.ts'

const origins = [{ exact: 'https://app.test' }]

describe('cors', () => {
  describeConfig(corsConfig, {
    valid: [
      {
        name: 'an empty config, with Envoy defaults',
        input: {},
        expect: { allow_origin_string_match: [], allow_credentials: false, allow_private_network_access: false, forward_not_matching_preflights: true },
      },
      {
        name: 'a full policy',
        input: {
          allow_origin_string_match: [...origins, { suffix: '.example.com' }, { regex: 'https://[a-z]+\\.test', ignore_case: true }],
          allow_methods: 'GET, POST,PUT',
          allow_headers: 'content-type,x-api-key',
          expose_headers: 'x-request-id',
          max_age: '600',
          allow_credentials: true,
          allow_private_network_access: true,
          forward_not_matching_preflights: false,
        },
      },
      { name: 'wildcards', input: { allow_origin_string_match: [{ exact: '*' }], allow_methods: '*', allow_headers: '*' } },
    ],
    invalid: [
      { name: 'a matcher with two specifiers', input: { allow_origin_string_match: [{ exact: 'a', prefix: 'b' }] }, error: 'exactly one of' },
      { name: 'an invalid regex', input: { allow_origin_string_match: [{ regex: '(' }] }, error: 'invalid regex' },
      { name: 'a lookahead regex (not RE2)', input: { allow_origin_string_match: [{ regex: 'https://(?!evil).*' }] }, error: 'negative lookahead (?!…) is not supported' },
      { name: 'a bare string as origin', input: { allow_origin_string_match: ['https://app.test'] }, error: 'allow_origin_string_match.0' },
      { name: 'methods with a CR/LF', input: { allow_methods: 'GET\r\nX: y' }, error: 'comma-separated list of methods' },
      { name: 'an empty method list', input: { allow_methods: '' }, error: 'comma-separated list' },
      { name: 'headers with spaces inside a name', input: { allow_headers: 'content type' }, error: 'comma-separated list of header names' },
      { name: 'a numeric max_age', input: { max_age: 600 }, error: 'max_age' },
      { name: 'a duration max_age', input: { max_age: '10m' }, error: 'number of seconds' },
      { name: 'a string allow_credentials', input: { allow_credentials: 'true' }, error: 'allow_credentials' },
      { name: 'shadow_enabled (not supported)', input: { shadow_enabled: true }, error: 'shadow_enabled' },
    ],
  })
})
