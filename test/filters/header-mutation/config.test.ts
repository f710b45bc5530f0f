import { describe } from 'vitest'
import { headerMutationConfig } from '../../../src/filters/header-mutation/index.ts'
import { describeConfig } from '../_config.ts'

const append = (key: string, value: string, extra = {}) => ({ append: { header: { key, value }, ...extra } })

describe('header_mutation', () => {
  describeConfig(headerMutationConfig, {
    valid: [
      { name: 'an empty config (no-op)', input: {}, expect: { request_mutations: [], response_mutations: [] } },
      {
        name: 'appends and removes, defaults filled in',
        input: { request_mutations: [append('x-a', '1'), { remove: 'x-b' }] },
        expect: { request_mutations: [{ append: { append_action: 'append_if_exists_or_add', keep_empty_value: false } }, { remove: 'x-b' }] },
      },
      { name: 'formatter operators', input: { response_mutations: [append('x-id', '%REQUEST_ID% %REQ(host)% 100%%')] } },
      { name: 'every append_action', input: { request_mutations: ['add_if_absent', 'overwrite_if_exists', 'overwrite_if_exists_or_add'].map((a) => append('x', 'v', { append_action: a })) } },
      { name: 'query parameter mutations', input: { query_parameter_mutations: { add: [{ key: 'a', value: '' }], remove: ['b'] } }, expect: { query_parameter_mutations: { set: [] } } },
    ],
    invalid: [
      { name: 'a mutation with both append and remove', input: { request_mutations: [{ ...append('x', '1'), remove: 'y' }] }, error: 'exactly one of append, remove' },
      { name: 'an empty mutation', input: { response_mutations: [{}] }, error: 'exactly one of append, remove' },
      { name: 'an unknown mutation key', input: { request_mutations: [{ set: 'x' }] }, error: 'request_mutations.0' },
      { name: 'an invalid header name', input: { request_mutations: [{ remove: 'bad header' }] }, error: 'not a valid header name' },
      { name: 'a value with CR/LF', input: { request_mutations: [append('x', 'a\r\nb: c')] }, error: 'CR, LF or NUL' },
      { name: 'a lone % in a value', input: { request_mutations: [append('x', '50%')] }, error: 'request_mutations.0.append.header.value: header value has a lone "%"' },
      { name: 'an unknown formatter operator', input: { response_mutations: [append('x', '%UPSTREAM_HOST%')] }, error: 'unknown operator "%UPSTREAM_HOST%"' },
      { name: 'an unknown append_action', input: { request_mutations: [append('x', '1', { append_action: 'append' })] }, error: 'append_action' },
      { name: 'an unknown top-level key', input: { request_headers_to_add: [] }, error: 'request_headers_to_add' },
      { name: 'an empty query key', input: { query_parameter_mutations: { set: [{ key: '', value: 'x' }] } }, error: 'query_parameter_mutations.set.0.key' },
      { name: 'more than 1000 mutations', input: { request_mutations: Array.from({ length: 1001 }, () => ({ remove: 'x' })) }, error: 'request_mutations' },
    ],
  })
})
