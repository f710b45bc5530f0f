import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'

/** Envoy's path-sanitization integration cases (security.md §2.2): route on the path you forward. */
const table = (echo: string, escaped_slashes: string) => ({
  gateway: { escaped_slashes },
  clusters: [{ name: 'echo', endpoints: [{ url: echo }] }],
  virtual_hosts: [
    {
      name: 'sanitize',
      domains: ['*'],
      routes: [
        { name: 'private', match: { prefix: '/private' }, direct_response: { status: 403, body: 'private' } },
        { name: 'public', match: { prefix: '/public' }, forward: { cluster: 'echo' } },
      ],
    },
  ],
})

describe('path normalization before routing', () => {
  it('routes /private/../public (plain and %2e-encoded) to public and forwards /public', async () => {
    await publish(table(upstreams().echo[0], 'keep_unchanged'))
    const gw = makeGateway()
    for (const p of ['/private/../public', '/private/%2e%2e/public', '/private/%2E./public', '//public', '/./public']) {
      const res = await gw.fetch(p)
      expect(res.status, p).toBe(200)
      expect((await echoOf(res)).url, p).toBe('/public')
    }
  })

  it('merges slashes and keeps the query untouched', async () => {
    await publish(table(upstreams().echo[0], 'keep_unchanged'))
    expect((await echoOf(await makeGateway().fetch('/public///a//b?x=//y'))).url).toBe('/public/a/b?x=//y')
  })

  it('answers 400 with a problem body for NUL and malformed escapes', async () => {
    await publish(table(upstreams().echo[0], 'keep_unchanged'))
    const gw = makeGateway()
    for (const p of ['/public/.%00./x', '/public/AAA%%0000/abc', '/public/%zz']) {
      const res = await gw.fetch(p)
      expect(res.status, p).toBe(400)
      expect(((await res.json()) as { code: string }).code).toBe('ERR_BAD_PATH')
    }
  })

  it('escaped slashes: keep_unchanged routes %2F as data; reject_request answers 400', async () => {
    await publish(table(upstreams().echo[0], 'keep_unchanged'))
    expect((await makeGateway().fetch('/private/..%2Fpublic')).status).toBe(403)
    await publish(table(upstreams().echo[0], 'reject_request'))
    const res = await makeGateway().fetch('/private%2f../public')
    expect(res.status).toBe(400)
    expect(res.headers.get('x-legate-response-flags')).toBe('DPE')
  })

  it('escaped slashes: unescape_and_redirect (the default) answers 307 to the unescaped path', async () => {
    await publish(table(upstreams().echo[0], 'unescape_and_redirect'))
    const res = await makeGateway().fetch('/private%2f..%2Fpublic?q=1')
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe('/private/../public?q=1')
  })

  it('escaped slashes: unescape_and_forward routes and forwards the decoded, normalized path', async () => {
    await publish(table(upstreams().echo[0], 'unescape_and_forward'))
    const res = await makeGateway().fetch('/private/..%2Fpublic%5cabc')
    expect((await echoOf(res)).url).toBe('/public/abc')
  })
})
