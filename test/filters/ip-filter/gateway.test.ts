/** ip_filter through the real gateway: the trusted client address comes from the core, never from a forged XFF. */
import { describe, expect, it } from 'vitest'
import { echoOf, makeGateway, publish, simpleConfig, upstreams } from '../../support/gateway.ts'

const table = (hops = 0) =>
  simpleConfig([upstreams().echo[0]], {
    gateway: { refresh_interval: '1s', xff_num_trusted_hops: hops },
    http_filters: [{ name: 'ip_filter', config: { allow: { cidrs: ['10.0.0.0/8'] }, deny: { countries: ['KP'] } } }],
  })

describe('ip_filter through the gateway', () => {
  it('uses CF-Connecting-IP: a forged X-Forwarded-For inside the allowed range is ignored', async () => {
    await publish(table())
    const gw = makeGateway()
    const res = await gw.fetch('/x', { headers: { 'cf-connecting-ip': '203.0.113.5', 'x-forwarded-for': '10.0.0.1' } })
    expect(res.status).toBe(403)
    expect(res.headers.get('x-legate-response-flags')).toBe('UAEX')
    expect(((await res.json()) as { code: string }).code).toBe('ERR_IP_FILTER_DENIED')
    const ok = await gw.fetch('/x', { headers: { 'cf-connecting-ip': '10.9.8.7', 'x-forwarded-for': '203.0.113.5' } })
    expect(ok.status).toBe(200)
    expect((await echoOf(ok)).headers['x-forwarded-for']).toBe('203.0.113.5, 10.9.8.7')
  })

  it('trusts X-Forwarded-For only as far as xff_num_trusted_hops says', async () => {
    await publish(table(1))
    const gw = makeGateway()
    const res = await gw.fetch('/x', { headers: { 'cf-connecting-ip': '203.0.113.5', 'x-forwarded-for': '6.6.6.6, 10.0.0.9' } })
    expect(res.status).toBe(200)
    const forged = await gw.fetch('/x', { headers: { 'cf-connecting-ip': '203.0.113.5', 'x-forwarded-for': '10.0.0.9, 6.6.6.6' } })
    expect(forged.status).toBe(403)
  })

  it('denies by request.cf.country', async () => {
    await publish(table())
    const res = await makeGateway().fetch(new Request('http://gw.test/x', { headers: { 'cf-connecting-ip': '10.0.0.1' }, cf: { country: 'KP' } } as RequestInit))
    expect(res.status).toBe(403)
  })
})
