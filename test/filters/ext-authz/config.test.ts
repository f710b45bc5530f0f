import { describe } from 'vitest'
import { extAuthzConfig } from '../../../src/filters/ext-authz/index.ts'
import { describeConfig } from '../_config.ts'

const url = 'http://127.0.0.1:9000'

describe('ext_authz', () => {
  describeConfig(extAuthzConfig, {
    valid: [
      {
        name: 'a url, with Envoy defaults',
        input: { url },
        expect: {
          path_prefix: '',
          timeout: 200,
          allowed_headers: [],
          headers_to_add: [],
          allowed_upstream_headers: [],
          failure_mode_allow: false,
          status_on_error: 403,
        },
      },
      { name: 'an https origin with a trailing slash', input: { url: 'https://authz.internal:8443/' } },
      { name: 'a cluster', input: { cluster: 'authz' } },
      { name: 'a service binding', input: { service: 'AUTHZ_SERVICE' } },
      {
        name: 'a full config',
        input: {
          url,
          path_prefix: '/v1/check',
          timeout: '1.5s',
          allowed_headers: ['x-user', { prefix: 'x-tenant-' }, { regex: 'x-b3-.*', ignore_case: true }],
          headers_to_add: [{ key: 'x-gateway-secret', value: 'abc' }],
          with_request_body: { max_request_bytes: 8192, allow_partial_message: true },
          allowed_upstream_headers: ['x-authz-user', { exact: 'X-Legate-Consumer' }],
          allowed_client_headers: ['www-authenticate'],
          failure_mode_allow: true,
          status_on_error: 503,
        },
        expect: { timeout: 1500, with_request_body: { max_request_bytes: 8192, allow_partial_message: true } },
      },
      { name: 'with_request_body defaults', input: { url, with_request_body: { max_request_bytes: 1 } }, expect: { with_request_body: { allow_partial_message: false } } },
    ],
    invalid: [
      { name: 'no service', input: {}, error: 'set exactly one of url, cluster or service (got none)' },
      { name: 'two services', input: { url, cluster: 'authz' }, error: 'set exactly one of url, cluster or service (got url, cluster)' },
      { name: 'a url with a path', input: { url: `${url}/check` }, error: 'put a path in path_prefix' },
      { name: 'a url with a query', input: { url: `${url}/?a=1` }, error: 'url is an origin only' },
      { name: 'a url with credentials', input: { url: 'http://u:p@authz.test' }, error: 'url is an origin only' },
      { name: 'a non-http url', input: { url: 'ftp://authz.test' }, error: 'url' },
      { name: 'a binding name with a dash', input: { service: 'authz-service' }, error: 'a binding name' },
      { name: 'a path_prefix without a leading slash', input: { url, path_prefix: 'check' }, error: 'path_prefix starts with "/"' },
      { name: 'a path_prefix with a trailing slash', input: { url, path_prefix: '/check/' }, error: 'does not end with "/"' },
      { name: 'a path_prefix with a query', input: { url, path_prefix: '/check?x=1' }, error: 'has no "?"' },
      { name: 'a zero timeout', input: { url, timeout: '0ms' }, error: 'timeout is from 1ms to 60s' },
      { name: 'a timeout over 60s', input: { url, timeout: '2m' }, error: 'timeout is from 1ms to 60s' },
      { name: 'max_request_bytes 0', input: { url, with_request_body: { max_request_bytes: 0 } }, error: 'max_request_bytes' },
      { name: 'max_request_bytes over 8 MiB', input: { url, with_request_body: { max_request_bytes: 9 * 1024 * 1024 } }, error: 'max_request_bytes' },
      { name: 'with_request_body without a limit', input: { url, with_request_body: {} }, error: 'max_request_bytes' },
      { name: 'status_on_error 200 (an error must not look like success)', input: { url, status_on_error: 200 }, error: 'status_on_error' },
      { name: 'a header matcher with two specifiers', input: { url, allowed_headers: [{ exact: 'a', prefix: 'b' }] }, error: 'exactly one of' },
      { name: 'an invalid header name', input: { url, allowed_headers: ['x user'] }, error: 'allowed_headers.0' },
      { name: 'a header to add with CR/LF', input: { url, headers_to_add: [{ key: 'x-a', value: 'v\r\nx-b: c' }] }, error: 'CR, LF or NUL' },
      { name: 'an Envoy http_service block (flattened here)', input: { http_service: { server_uri: { uri: url } } }, error: 'http_service' },
    ],
  })
})
