import { describe } from 'vitest'
import { bodyLimitConfig } from '../../../src/filters/body-limit/index.ts'
import { describeConfig } from '../_config.ts'

describe('body_limit', () => {
  describeConfig(bodyLimitConfig, {
    valid: [
      { name: 'a limit', input: { max_request_bytes: 1_048_576 }, expect: { max_request_bytes: 1_048_576 } },
      { name: 'the smallest limit', input: { max_request_bytes: 1 } },
    ],
    invalid: [
      { name: 'an empty config (no safe default)', input: {}, error: 'max_request_bytes' },
      { name: 'zero (Envoy: > 0)', input: { max_request_bytes: 0 }, error: 'max_request_bytes' },
      { name: 'a negative limit', input: { max_request_bytes: -1 }, error: 'max_request_bytes' },
      { name: 'a fractional limit', input: { max_request_bytes: 1.5 }, error: 'max_request_bytes' },
      { name: 'a string limit', input: { max_request_bytes: '1MB' }, error: 'max_request_bytes' },
      { name: 'an unknown key', input: { max_request_bytes: 10, max_response_bytes: 10 }, error: 'max_response_bytes' },
    ],
  })
})
