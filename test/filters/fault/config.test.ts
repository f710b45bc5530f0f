import { describe } from 'vitest'
import { faultConfig } from '../../../src/filters/fault/index.ts'
import { describeConfig } from '../_config.ts'

describe('fault', () => {
  describeConfig(faultConfig, {
    valid: [
      { name: 'an empty config (no-op)', input: {} },
      { name: 'an abort with defaults', input: { abort: { http_status: 503 } }, expect: { abort: { http_status: 503, percentage: 100, header_abort: false } } },
      { name: 'a delay, parsed to ms', input: { delay: { fixed_delay: '1.5s', percentage: 0.5 } }, expect: { delay: { fixed_delay: 1500, percentage: 0.5 } } },
      { name: 'header-driven faults only', input: { abort: { header_abort: true }, delay: { header_delay: true } } },
      { name: 'both, with max_active_faults', input: { abort: { http_status: 200, percentage: 0 }, delay: { fixed_delay: '10ms' }, max_active_faults: 0 } },
      { name: 'the status bounds 200 and 599', input: { abort: { http_status: 599 } } },
    ],
    invalid: [
      { name: 'an abort with no status and no header_abort', input: { abort: { percentage: 10 } }, error: 'set http_status, header_abort or both' },
      { name: 'a delay with no duration and no header_delay', input: { delay: {} }, error: 'set fixed_delay, header_delay or both' },
      { name: 'a status below 200', input: { abort: { http_status: 199 } }, error: 'abort.http_status' },
      { name: 'a status of 600', input: { abort: { http_status: 600 } }, error: 'abort.http_status' },
      { name: 'a fractional status', input: { abort: { http_status: 503.5 } }, error: 'abort.http_status' },
      { name: 'a percentage over 100', input: { abort: { http_status: 503, percentage: 101 } }, error: 'abort.percentage' },
      { name: 'a negative percentage', input: { delay: { fixed_delay: '1s', percentage: -1 } }, error: 'delay.percentage' },
      { name: 'a numeric delay', input: { delay: { fixed_delay: 100 } }, error: 'delay.fixed_delay' },
      { name: 'a delay without unit', input: { delay: { fixed_delay: '100' } }, error: 'expected a duration' },
      { name: 'a negative max_active_faults', input: { max_active_faults: -1 }, error: 'max_active_faults' },
      { name: 'Envoy-only grpc_status', input: { abort: { grpc_status: 14 } }, error: 'grpc_status' },
      { name: 'response_rate_limit (not supported)', input: { response_rate_limit: {} }, error: 'response_rate_limit' },
    ],
  })
})
