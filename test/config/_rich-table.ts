/**
 * @module A valid route table that uses every built-in filter and every cluster, match, action and override
 * feature, for the property-based validation test (test/config/validate-fuzz.test.ts) to mutate.
 */

/** A P-256 public key (no private half anywhere): enough for a local_jwks provider to parse. */
const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'MxLg6wLn4jnIE0VE9oF49kV9yGF2WNBaBc0SqGemFXE',
  y: 'NnEClveQ9aI56JcygCTnx_Vgu-57Mvpajkgmk2rD8f0',
  kid: 'k1',
  alg: 'ES256',
  use: 'sig',
}

/** The host and path of the direct_response route that every accepted mutation is served through. */
export const PROBE = { url: 'http://fuzz.test/probe', status: 218, body: 'probe' }

/** Filters a request to the probe route must not meet (they would call out, or deny it): off on that route. */
const AUTH_OFF = { jwt_authn: false, api_key: false, ext_authz: false, rate_limit: false }

const header = (key: string, value: string) => ({ header: { key, value } })

/** A fresh copy each call: mutations change it in place. */
export function richTable(): Record<string, unknown> {
  return structuredClone(TABLE)
}

const TABLE = {
  $schema: './schema.json',
  gateway: {
    refresh_interval: '5s',
    normalize_path: true,
    merge_slashes: true,
    escaped_slashes: 'unescape_and_redirect',
    preserve_external_request_id: false,
    xff_num_trusted_hops: 1,
    ignore_port_in_host_matching: true,
    most_specific_header_mutations_wins: false,
    max_direct_response_body_bytes: 4096,
  },
  observability: {
    stats: { enabled: true, flush_interval: '5s', flush_threshold_requests: 1000, shards: 4 },
    access_log: { enabled: false, fields: ['method', 'path', 'status'], always_log_errors: true, sample_successes_percent: 50 },
    tracing: { enabled: true, sample_percent: 10, server_timing: false },
    recorder: {
      enabled: false,
      sample_percent: 10,
      buffer_size: 100,
      capture_after: 10,
      max_snapshots: 5,
      flush_interval: '5s',
      triggers: [{ name: 'errors', status_class: '5xx', statuses: [502, 503], latency_over: '2s', routes: ['probe'], cooldown: '1m' }],
    },
    analytics_engine: { enabled: false, binding: 'ANALYTICS', sample_percent: 100, always_write_errors: true },
  },
  http_filters: [
    { name: 'request_id', config: { set_in_response: true, also_as: ['x-trace-id'] } },
    {
      name: 'header_mutation',
      config: {
        request_mutations: [{ append: header('x-from', 'legate'), }, { remove: 'x-drop' }],
        response_mutations: [{ append: { ...header('x-served-by', '%REQ(host)%'), append_action: 'overwrite_if_exists_or_add' } }],
        query_parameter_mutations: { remove: ['debug'], set: [{ key: 'v', value: '2' }], add: [{ key: 'a', value: 'b' }] },
      },
    },
    {
      name: 'cors',
      config: {
        allow_origin_string_match: [{ exact: 'https://app.example.com' }, { suffix: '.example.com' }, { regex: 'https://[a-z]+\\.example\\.org' }],
        allow_methods: 'GET, POST',
        allow_headers: 'content-type, authorization',
        expose_headers: 'x-request-id',
        max_age: '600',
        allow_credentials: true,
        allow_private_network_access: false,
        forward_not_matching_preflights: true,
      },
    },
    { name: 'fault', config: { abort: { http_status: 503, percentage: 100, header_abort: true }, delay: { percentage: 100, header_delay: true }, max_active_faults: 10 } },
    { name: 'body_limit', config: { max_request_bytes: 1_048_576 } },
    {
      name: 'ip_filter',
      config: {
        deny: { cidrs: ['203.0.113.0/24', '2001:db8::/32'], countries: ['T1'], headers: [{ name: 'x-blocked', present: true }] },
        allow: { cidrs: [], countries: [], headers: [] },
      },
    },
    {
      name: 'api_key',
      disabled: true,
      config: { header: 'x-api-key', query_param: 'key', cache_ttl: '30s', negative_cache_ttl: '5s', consumer_header: 'x-consumer', scopes_header: 'x-scopes', required_scopes: ['read'] },
    },
    {
      name: 'ext_authz',
      disabled: true,
      config: {
        cluster: 'authz',
        path_prefix: '/check',
        timeout: '200ms',
        allowed_headers: ['x-user', { prefix: 'x-auth-' }],
        headers_to_add: [{ key: 'x-gateway', value: 'legate' }],
        with_request_body: { max_request_bytes: 4096, allow_partial_message: true },
        allowed_upstream_headers: ['x-user-id'],
        allowed_client_headers: [{ exact: 'www-authenticate' }],
        failure_mode_allow: false,
        status_on_error: 403,
      },
    },
    {
      name: 'jwt_authn',
      disabled: true,
      config: {
        providers: {
          idp: {
            issuer: 'https://idp.example.com',
            audiences: ['api'],
            remote_jwks: { cluster: 'idp', path: '/.well-known/jwks.json', timeout: '5s', cache_duration: '10m', refetch_cooldown: '30s', failed_refetch_duration: '1s' },
            algorithms: ['RS256', 'ES256'],
            from_headers: [{ name: 'authorization', value_prefix: 'Bearer ' }],
            from_params: ['access_token'],
            from_cookies: ['session'],
            forward: false,
            forward_payload_header: 'x-jwt-payload',
            claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }],
            clock_skew: '60s',
            require_expiration: true,
            max_token_size: 8192,
            jwt_cache_size: 100,
          },
          uri: { remote_jwks: { uri: 'https://idp.example.com/jwks.json' } },
          local: { local_jwks: { keys: [PUBLIC_JWK] }, algorithms: ['ES256'] },
          hmac: { hmac_secret: { inline: 'a-very-long-test-secret-of-at-least-32-bytes', encoding: 'utf8' }, algorithms: ['HS256'] },
        },
        requires: {
          requires_any: [
            { provider: 'idp', audiences: ['api'], scopes: ['read'], claims: [{ name: 'tenant', values: ['a', 'b'] }] },
            { requires_all: [{ provider: 'local' }, { provider: 'hmac' }] },
            { allow_missing: true },
          ],
        },
        realm: 'legate',
      },
    },
    {
      name: 'rate_limit',
      config: {
        domain: 'fuzz',
        rate_limits: [
          {
            name: 'per-ip',
            actions: [{ remote_address: {} }, { request_headers: { header_name: 'x-tenant', descriptor_key: 'tenant', skip_if_absent: true } }],
            token_bucket: { max_tokens: 100, tokens_per_fill: 10, fill_interval: '1s' },
            mode: 'local',
          },
          {
            name: 'per-key',
            actions: [
              { masked_remote_address: { v4_prefix_mask_len: 24, v6_prefix_mask_len: 64 } },
              { query_parameters: { query_parameter_name: 'q', skip_if_absent: true } },
              { generic_key: { descriptor_value: 'all' } },
              { header_value_match: { descriptor_value: 'json', headers: [{ name: 'content-type', prefix: 'application/json' }] } },
              { route_name: {} },
              { method: {} },
              { jwt_claim: { provider: 'idp', claim: 'sub', skip_if_absent: true } },
              { api_key_consumer: { skip_if_absent: true } },
            ],
            sliding_window: { requests_per_unit: 1000, unit: 'minute' },
            mode: 'exact',
            hits_addend: 1,
            shadow_mode: true,
          },
          { name: 'cf', actions: [{ generic_key: { descriptor_value: 'cf' } }], workers_ratelimit: { binding: 'RL', limit: 100, period: 60 } },
        ],
        timeout: '20ms',
        failure_mode: 'allow',
        status_on_error: 503,
        rate_limited_status: 429,
        shadow_mode: false,
        ratelimit_headers: 'on_limit',
        shards: 16,
        durable_object_binding: 'RATE_LIMITER',
        lease: { ttl: '1s', max_fraction: 0.05 },
      },
    },
    {
      name: 'openapi_validation',
      config: { mode: 'report', max_body_bytes: 65536, definitions: { components: { schemas: { User: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z]+$' } } } } } } },
    },
    {
      name: 'cache',
      config: {
        default_ttl: '10s',
        stale_while_revalidate: '5s',
        stale_if_error: '1m',
        key: { query: { mode: 'exclude', names: ['utm_source'], sort: true }, headers: ['accept-language'], cookies: ['region'] },
        bypass: { headers: ['x-debug'], cookies: ['preview'], query_parameters: ['nocache'] },
        authorization: 'per_identity',
        honor_request_cache_control: true,
        max_body_bytes: 65536,
        coalesce_timeout: '1s',
      },
    },
  ],
  clusters: [
    {
      name: 'users',
      endpoints: [{ url: 'http://127.0.0.1:9001', weight: 2 }, { url: 'https://users.internal:8443' }],
      lb_policy: 'least_request',
      circuit_breakers: { max_requests: 100, max_pending_requests: 50, max_retries: 3, retry_budget: { budget_percent: 20, min_retry_concurrency: 3 } },
      failure_rate_breaker: {
        sliding_window_type: 'TIME_BASED',
        sliding_window_size: 60,
        minimum_calls: 10,
        failure_rate_threshold: 50,
        slow_call_duration: '2s',
        slow_call_rate_threshold: 80,
        wait_duration_in_open: '30s',
        permitted_calls_in_half_open: 5,
      },
      outlier_detection: {
        consecutive_5xx: 5,
        consecutive_gateway_failure: 5,
        enforcing_consecutive_5xx: 100,
        enforcing_consecutive_gateway_failure: 50,
        interval: '10s',
        base_ejection_time: '30s',
        max_ejection_time: '300s',
        max_ejection_percent: 50,
        always_eject_one_host: true,
        failure_percentage_threshold: 85,
        enforcing_failure_percentage: 10,
        failure_percentage_minimum_hosts: 1,
        failure_percentage_request_volume: 10,
        enforcing_success_rate: 100,
        success_rate_minimum_hosts: 2,
        success_rate_request_volume: 10,
        success_rate_stdev_factor: 1900,
        successful_active_health_check_uneject_host: true,
      },
      health_check: {
        path: '/healthz?full=1',
        method: 'HEAD',
        expected_statuses: [{ start: 200, end: 300 }],
        retriable_statuses: [{ start: 503, end: 504 }],
        timeout: '1s',
        interval: '10s',
        interval_jitter: '1s',
        interval_jitter_percent: 10,
        unhealthy_threshold: 3,
        healthy_threshold: 2,
      },
      healthy_panic_threshold: 50,
      state_sync: { snapshot_ttl: '1s', report_interval: '1s' },
    },
    { name: 'orders', endpoints: [{ service: 'ECHO_SERVICE', weight: 3 }, { service: 'ORDERS' }], lb_policy: 'random' },
    { name: 'canary', endpoints: [{ service: 'ECHO_SERVICE' }] },
    { name: 'authz', endpoints: [{ url: 'http://127.0.0.1:9002' }] },
    { name: 'idp', endpoints: [{ url: 'https://idp.example.com' }], lb_policy: 'round_robin' },
  ],
  virtual_hosts: [
    {
      name: 'fuzz',
      domains: ['fuzz.test'],
      request_headers_to_add: [{ ...header('x-vhost', 'fuzz'), append_action: 'add_if_absent', keep_empty_value: true }],
      request_headers_to_remove: ['x-internal'],
      response_headers_to_add: [header('x-vhost', 'fuzz')],
      response_headers_to_remove: ['server'],
      retry_policy: { retry_on: '5xx,reset', num_retries: 2 },
      filters: { cors: { allow_origin_string_match: [{ prefix: 'https://' }], allow_methods: '*' }, fault: false },
      routes: [
        {
          name: 'probe',
          match: { exact: '/probe', methods: ['GET', 'HEAD'] },
          direct_response: { status: PROBE.status, body: PROBE.body, headers: { 'content-type': 'text/plain' } },
          response_headers_to_add: [header('x-route', 'probe')],
          filters: AUTH_OFF,
        },
        {
          name: 'users',
          match: {
            prefix: '/users',
            case_sensitive: false,
            headers: [{ name: 'x-version', exact: 'v1' }, { name: 'x-absent', present: false }, { name: 'x-re', regex: 'v[0-9]+', invert: true, treat_missing_as_empty: true }],
            query_parameters: [{ name: 'debug', contains: '1', ignore_case: true }],
            cookies: [{ name: 'sid', suffix: 'x' }],
          },
          forward: {
            cluster: 'users',
            prefix_rewrite: '/v1/users',
            timeout: '10s',
            cluster_not_found_response_code: 404,
            retry_policy: {
              retry_on: '5xx,gateway-error,reset,connect-failure,retriable-4xx,retriable-status-codes,retriable-headers',
              num_retries: 3,
              per_try_timeout: '2s',
              retry_back_off: { base_interval: '25ms', max_interval: '250ms' },
              rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }], max_interval: '300s' },
              retriable_status_codes: [409],
              retriable_headers: [{ name: 'x-retry', exact: 'yes' }],
              retriable_request_headers: [{ name: 'x-idempotent', present: true }],
              retry_host_predicate: ['previous_hosts'],
              retry_non_idempotent: false,
              per_request_buffer_limit_bytes: 65536,
              hedge_on_per_try_timeout: true,
              include_request_attempt_count: true,
              include_attempt_count_in_response: false,
            },
          },
          filters: {
            jwt_authn: { requires: { provider: 'idp' } },
            api_key: true,
            rate_limit: true,
            openapi_validation: {
              operation: {
                path: '/users/{id}',
                parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'tags', in: 'query', style: 'form', explode: false, schema: { type: 'array' } }],
                request_body: { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } }, 'text/plain': {} } },
              },
            },
          },
        },
        {
          name: 'orders',
          match: { segment_prefix: '/orders' },
          forward: {
            weighted_clusters: [
              { name: 'orders', weight: 80, request_headers_to_add: [header('x-split', 'orders')] },
              { name: 'canary', weight: 20 },
            ],
            host_rewrite: 'orders.internal',
            timeout: '0s',
          },
          filters: { ext_authz: true },
        },
        { name: 're', match: { regex: '/re/([a-z]+)/(\\d+)' }, forward: { cluster: 'users', regex_rewrite: { pattern: '^/re/([a-z]+)/(\\d+)$', substitution: '/\\2/\\1' } } },
        { name: 'tpl', match: { template: '/items/{id}/{rest=**}' }, forward: { cluster: 'orders', template_rewrite: '/v2/{id}/{rest}' } },
        { name: 'pick', match: { prefix: '/pick' }, forward: { cluster_header: 'x-cluster', cluster_not_found_response_code: 500 } },
        { name: 'redir', match: { prefix: '/old' }, redirect: { https_redirect: true, host_redirect: 'new.example.com', port_redirect: 8443, prefix_rewrite: '/new', response_code: 308, strip_query: true } },
        { name: 'redir-re', match: { regex: '/r/(.*)' }, redirect: { scheme_redirect: 'https', regex_rewrite: { pattern: '^/r/(.*)$', substitution: '/\\1' }, response_code: 302 } },
        { name: 'redir-path', match: { exact: '/moved' }, redirect: { path_redirect: '/here?x=1', response_code: 301 } },
      ],
    },
    {
      name: 'wild',
      domains: ['*.example.com', 'api.*', 'Other.Example.org:8080'],
      filters: { rate_limit: false, ip_filter: { allow: { cidrs: ['10.0.0.0/8'] } } },
      routes: [{ match: { prefix: '/' }, direct_response: { status: 404 } }],
    },
  ],
}
