// Config regexes through the real gateway: adversarial patterns answer in milliseconds (RE2 semantics, linear
// time) and never hold up other requests. With V8's backtracking RegExp, the 30-character cases took seconds
// (issue 12: route 9-13 s, header 20-23 s, CORS origin 1.2-1.5 s) and the 10,000-character ones never finished.
import { describe, expect, it } from 'vitest'
import { makeGateway, publish, upstreams } from '../support/gateway.ts'

const direct = (body: string, status = 200) => ({ direct_response: { status, body } })

function table(echo: string) {
  return {
    http_filters: [{ name: 'cors', config: { allow_origin_string_match: [{ regex: 'https://(a+)+' }] } }],
    clusters: [{ name: 'echo', endpoints: [{ url: echo }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          { name: 'ping', match: { exact: '/ping' }, ...direct('pong') },
          { name: 'route', match: { regex: '/(a+)+' }, ...direct('route') },
          { name: 'header', match: { prefix: '/h', headers: [{ name: 'x-h', regex: '(a+)+' }] }, ...direct('header') },
          { name: 'query', match: { prefix: '/q', query_parameters: [{ name: 'v', regex: '(a+)+' }] }, ...direct('query') },
          { name: 'cookie', match: { prefix: '/c', cookies: [{ name: 'k', regex: '(a+)+', ignore_case: true }] }, ...direct('cookie') },
          // `*` inside a segment compiles to `[^/]+-[^/]+-…`, which V8 backtracks polynomially on a miss.
          { name: 'template', match: { template: '/t/*-*-*-*-*-*-*-*/x' }, ...direct('template') },
          { name: 'redirect', match: { prefix: '/r/' }, redirect: { regex_rewrite: { pattern: '(a+)+b', substitution: 'x' } } },
          { name: 'fallback', match: { prefix: '/' }, ...direct('fallback', 404) },
        ],
      },
    ],
  }
}

/** Each case: a request whose regex must fail on the adversarial input, and the body that proves it did. */
function adversarial(n: number): [string, string, RequestInit, string][] {
  const a = 'a'.repeat(n)
  return [
    ['route regex', `/${a}!`, {}, 'fallback'],
    ['header regex', '/h', { headers: { 'x-h': `${a}!` } }, 'fallback'],
    ['query regex', `/q?v=${a}!`, {}, 'fallback'],
    ['cookie regex', '/c', { headers: { cookie: `k=${a}!` } }, 'fallback'],
    ['URI template', `/t/${'-'.repeat(n)}a/y`, {}, 'fallback'],
    ['CORS origin regex', '/ping', { headers: { origin: `https://${a}!` } }, 'pong'],
    ['redirect regex_rewrite', `/r/${a}`, { redirect: 'manual' }, ''],
  ]
}

async function gateway() {
  await publish(table(upstreams().echo[0]!))
  const gw = makeGateway()
  expect(await (await gw.fetch('/ping')).text()).toBe('pong') // config loaded and regexes compiled
  return gw
}

describe('config regexes run in linear time through the gateway', () => {
  it('still match what they should', async () => {
    const gw = await gateway()
    expect(await (await gw.fetch('/aaa')).text()).toBe('route')
    expect(await (await gw.fetch('/h', { headers: { 'x-h': 'aa' } })).text()).toBe('header')
    expect(await (await gw.fetch('/q?v=a')).text()).toBe('query')
    expect(await (await gw.fetch('/c', { headers: { cookie: 'k=AA' } })).text()).toBe('cookie')
    expect(await (await gw.fetch('/t/a-b-c-d-e-f-g-h/x')).text()).toBe('template')
    const cors = await gw.fetch('/ping', { headers: { origin: 'https://aaa' } })
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://aaa')
    const redirect = await gw.fetch('/r/aab', { redirect: 'manual' })
    expect(new URL(redirect.headers.get('location')!).pathname).toBe('/r/x')
  })

  for (const n of [30, 10_000]) {
    it(`answers adversarial patterns on a ${n}-character input in milliseconds`, async () => {
      const gw = await gateway()
      for (const [name, url, init, body] of adversarial(n)) {
        const t0 = performance.now()
        const res = await gw.fetch(url, init)
        if (body) expect(await res.text(), name).toBe(body)
        else expect(res.status, name).toBe(301)
        expect(res.headers.get('access-control-allow-origin'), name).toBeNull()
        expect(performance.now() - t0, name).toBeLessThan(500)
      }
    })
  }

  it('does not delay a concurrent /ping', async () => {
    const gw = await gateway()
    const t0 = performance.now()
    const timed = (url: string, init?: RequestInit) => gw.fetch(url, init).then(async (r) => ({ body: await r.text(), ms: performance.now() - t0 }))
    const a = 'a'.repeat(10_000)
    const [route, header, ping] = await Promise.all([timed(`/${a}!`), timed('/h', { headers: { 'x-h': `${a}!` } }), timed('/ping')])
    expect([route.body, header.body, ping.body]).toEqual(['fallback', 'fallback', 'pong'])
    expect(ping.ms).toBeLessThan(500)
    expect(Math.max(route.ms, header.ms)).toBeLessThan(500)
  })
})
