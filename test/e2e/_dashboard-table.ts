/**
 * @module The dashboard test's route table and traffic: proxied requests, a failing route, and local replies of
 * every kind (no route, redirect, api_key 401, local rate-limit 429), a cached route, with the flight recorder on.
 */

/** Paths the background traffic cycles through. */
export const TRAFFIC = ['/hello', '/echo/a', '/hello', '/echo/b?x=1', '/nope', '/hello', '/broken', '/moved', '/locked', '/limited', '/cached/a']

export const dashboardTable = (echoPort: number) => ({
  gateway: { refresh_interval: '1s' },
  http_filters: [
    { name: 'api_key', config: {}, disabled: true },
    { name: 'cache', config: { default_ttl: '1h' }, disabled: true },
    {
      name: 'rate_limit',
      disabled: true,
      config: { domain: 'dashboard', rate_limits: [{ name: 'one', actions: [{ remote_address: {} }], mode: 'local', token_bucket: { max_tokens: 1, fill_interval: '1h' } }] },
    },
  ],
  observability: {
    stats: { flush_interval: '1s' },
    access_log: { sample_successes_percent: 0 },
    recorder: { enabled: true, sample_percent: 100, flush_interval: '1s', triggers: [{ name: 'server-errors', status_class: '5xx', cooldown: '1s' }] },
  },
  clusters: [{ name: 'echo', endpoints: [{ url: `http://127.0.0.1:${echoPort}` }] }],
  virtual_hosts: [
    {
      name: 'demo',
      domains: ['*'],
      routes: [
        { name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body: 'hi' } },
        { name: 'echo', match: { prefix: '/echo/' }, forward: { cluster: 'echo', prefix_rewrite: '/' } },
        { name: 'cached', match: { prefix: '/cached/' }, forward: { cluster: 'echo', prefix_rewrite: '/' }, filters: { cache: true } },
        { name: 'broken', match: { exact: '/broken' }, direct_response: { status: 503 } },
        { name: 'moved', match: { exact: '/moved' }, redirect: { path_redirect: '/hello', response_code: 301 } },
        { name: 'locked', match: { exact: '/locked' }, direct_response: { status: 200 }, filters: { api_key: true } },
        { name: 'limited', match: { exact: '/limited' }, direct_response: { status: 200 }, filters: { rate_limit: true } },
      ],
    },
  ],
})
