import { describe, expect, it } from 'vitest'
import { ipFilterFilter, type IpFilterState } from '../../../src/filters/ip-filter/index.ts'
import type { RequestContext } from '../../../src/filters/types.ts'
import type { StatsStore } from '../../../src/observability/stats.ts'
import { build, type ContextInit, expectProblem, makeContext } from '../_context.ts'

/** A request context whose `request.cf.country` is set, as Cloudflare sets it. */
function withCountry(init: ContextInit, country: string | undefined): RequestContext {
  const rc = makeContext(init)
  return country === undefined ? rc : { ...rc, request: new Request(rc.request, { cf: { country } } as RequestInit) }
}

async function decide(config: unknown, clientAddress: string, country?: string, headers?: HeadersInit) {
  const rc = withCountry({ clientAddress, headers }, country)
  const res = await build(ipFilterFilter, config).onRequest!(rc)
  return { allowed: res === undefined, rc, res: res ?? undefined }
}

describe('ip_filter: CIDRs on the trusted client address', () => {
  const allow = { allow: { cidrs: ['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32', '::1/128'] } }
  it.each([
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:192.0.2.8', false],
    ['2001:db8::abcd', true],
    ['2001:db9::', false],
    ['::1', true],
    ['::2', false],
    ['not-an-ip', false],
    ['', false],
  ])('allow list: %s → %s', async (addr, want) => {
    expect((await decide(allow, addr)).allowed).toBe(want)
  })

  it('0.0.0.0/0 covers every IPv4 client (and IPv4-mapped), ::/0 every IPv6 client', async () => {
    const v4 = { deny: { cidrs: ['0.0.0.0/0'] } }
    expect((await decide(v4, '203.0.113.9')).allowed).toBe(false)
    expect((await decide(v4, '::ffff:203.0.113.9')).allowed).toBe(false)
    expect((await decide(v4, '2001:db8::1')).allowed).toBe(true)
    const v6 = { deny: { cidrs: ['::/0'] } }
    expect((await decide(v6, '2001:db8::1')).allowed).toBe(false)
    expect((await decide(v6, '203.0.113.9')).allowed).toBe(true)
  })

  it('an IPv4-mapped range in the config matches plain IPv4 clients', async () => {
    expect((await decide({ deny: { cidrs: ['::ffff:203.0.113.0/120'] } }, '203.0.113.200')).allowed).toBe(false)
  })

  it('answers 403 ERR_IP_FILTER_DENIED with flag UAEX, without echoing the address; counts', async () => {
    const { rc, res } = await decide({ deny: { cidrs: ['203.0.113.0/24'] } }, '203.0.113.7')
    const body = await expectProblem(res!, { status: 403, code: 'ERR_IP_FILTER_DENIED', flag: 'UAEX' })
    expect(JSON.stringify(body)).not.toContain('203.0.113.7')
    expect([...rc.flags]).toEqual(['UAEX'])
    expect((rc.stats as StatsStore).counters.get('ip_filter.denied')).toBe(1)
    expect(rc.state.ip_filter).toEqual({ outcome: 'denied', reason: 'deny_rule' } satisfies IpFilterState)
  })

  it('counts allowed requests', async () => {
    const { rc } = await decide({ deny: { cidrs: ['203.0.113.0/24'] } }, '198.51.100.1')
    expect((rc.stats as StatsStore).counters.get('ip_filter.allowed')).toBe(1)
    expect(rc.state.ip_filter).toEqual({ outcome: 'allowed' })
  })
})

describe('ip_filter: countries and headers', () => {
  it('denies by request.cf.country; a request without a country matches no country rule', async () => {
    const config = { deny: { countries: ['kp', 'T1'] } }
    expect((await decide(config, '198.51.100.1', 'KP')).allowed).toBe(false)
    expect((await decide(config, '198.51.100.1', 'T1')).allowed).toBe(false)
    expect((await decide(config, '198.51.100.1', 'DE')).allowed).toBe(true)
    expect((await decide(config, '198.51.100.1')).allowed).toBe(true)
  })

  it('an allow list of countries refuses other countries and requests without one (fail closed)', async () => {
    const config = { allow: { countries: ['DE', 'FR'] } }
    expect((await decide(config, '198.51.100.1', 'FR')).allowed).toBe(true)
    const other = await decide(config, '198.51.100.1', 'US')
    expect(other.allowed).toBe(false)
    expect(other.rc.state.ip_filter).toEqual({ outcome: 'denied', reason: 'not_allowed' })
    expect((await decide(config, '198.51.100.1')).allowed).toBe(false)
  })

  it('header rules use the header matchers (case-insensitive names, exact values, presence)', async () => {
    const config = { allow: { headers: [{ name: 'X-Internal', exact: 'yes' }] }, deny: { headers: [{ name: 'x-bot' }] } }
    expect((await decide(config, '198.51.100.1', undefined, { 'x-internal': 'yes' })).allowed).toBe(true)
    expect((await decide(config, '198.51.100.1', undefined, { 'x-internal': 'YES' })).allowed).toBe(false)
    expect((await decide(config, '198.51.100.1', undefined, { 'x-internal': 'yes', 'x-bot': '1' })).allowed).toBe(false)
  })

  it('allow rules are any-of: a CIDR, a country or a header', async () => {
    const config = { allow: { cidrs: ['10.0.0.0/8'], countries: ['DE'], headers: [{ name: 'x-partner', exact: 'p1' }] } }
    expect((await decide(config, '10.1.1.1', 'US')).allowed).toBe(true)
    expect((await decide(config, '198.51.100.1', 'DE')).allowed).toBe(true)
    expect((await decide(config, '198.51.100.1', 'US', { 'x-partner': 'p1' })).allowed).toBe(true)
    expect((await decide(config, '198.51.100.1', 'US')).allowed).toBe(false)
  })

  it('deny wins over allow', async () => {
    const config = { allow: { cidrs: ['10.0.0.0/8'] }, deny: { cidrs: ['10.66.0.0/16'] } }
    expect((await decide(config, '10.1.0.1')).allowed).toBe(true)
    expect((await decide(config, '10.66.0.1')).allowed).toBe(false)
  })

  it('a forged X-Forwarded-For does not change the decision (only rc.clientAddress counts)', async () => {
    const config = { allow: { cidrs: ['10.0.0.0/8'] } }
    expect((await decide(config, '198.51.100.1', undefined, { 'x-forwarded-for': '10.0.0.1' })).allowed).toBe(false)
  })
})
