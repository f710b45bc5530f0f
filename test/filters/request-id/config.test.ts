import { describe } from 'vitest'
import { requestIdConfig } from '../../../src/filters/request-id/index.ts'
import { describeConfig } from '../_config.ts'

describe('request_id', () => {
  describeConfig(requestIdConfig, {
    valid: [
      { name: 'an empty config, with defaults', input: {}, expect: { set_in_response: true, also_as: [] } },
      { name: 'extra carriers', input: { also_as: ['x-correlation-id', 'X-Amzn-Trace-Id'] } },
      { name: 'no echo', input: { set_in_response: false }, expect: { set_in_response: false } },
    ],
    invalid: [
      { name: 'a non-boolean set_in_response', input: { set_in_response: 'yes' }, error: 'set_in_response' },
      { name: 'an invalid header name', input: { also_as: ['x correlation'] }, error: 'not a valid header name' },
      { name: 'a transport header', input: { also_as: ['Content-Length'] }, error: 'owned by the transport' },
      { name: 'host', input: { also_as: ['host'] }, error: 'owned by the transport' },
      { name: 'more than 16 names', input: { also_as: Array.from({ length: 17 }, (_, i) => `x-${i}`) }, error: 'also_as' },
      { name: 'an unknown key', input: { header_name: 'x-id' }, error: 'header_name' },
    ],
  })
})
