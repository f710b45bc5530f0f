import { describe, expect, it } from 'vitest'
import { cidrContains, compileCidrSet, formatCidr, parseCidr, parseIp } from '../../src/lib/cidr.ts'

const cidr = (s: string) => {
  const r = parseCidr(s)
  if (!r.ok) throw new Error(r.reason)
  return r.cidr
}
const ip = (s: string) => {
  const a = parseIp(s)
  if (!a) throw new Error(`not an ip: ${s}`)
  return a
}

describe('parseIp', () => {
  it.each([
    ['0.0.0.0', 4, [0]],
    ['255.255.255.255', 4, [0xffffffff]],
    ['192.0.2.1', 4, [0xc0000201]],
    ['::', 6, [0, 0, 0, 0]],
    ['::1', 6, [0, 0, 0, 1]],
    ['2001:db8::', 6, [0x20010db8, 0, 0, 0]],
    ['2001:DB8:0:0:0:0:0:1', 6, [0x20010db8, 0, 0, 1]],
    ['fe80::1:2', 6, [0xfe800000, 0, 0, 0x00010002]],
    ['1:2:3:4:5:6:7:8', 6, [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ['::ffff:1.2.3.4', 4, [0x01020304]],
    ['::ffff:0102:0304', 4, [0x01020304]],
    ['0:0:0:0:0:ffff:1.2.3.4', 4, [0x01020304]],
    ['::1.2.3.4', 6, [0, 0, 0, 0x01020304]],
    ['64:ff9b::1.2.3.4', 6, [0x0064ff9b, 0, 0, 0x01020304]],
  ])('parses %s', (text, family, words) => {
    expect(parseIp(text)).toEqual({ family, words })
  })

  it.each([
    '', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.04', '1.2.3.-1', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4/32',
    '0x1.2.3.4', '1e2.0.0.1', '::g', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:', '12345::', 'fe80::1%eth0', '[::1]', '1.2.3.4::', '::1.2.3', '::1.2.3.4:5', 'localhost', 'unknown',
  ])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined()
  })
})

describe('parseCidr', () => {
  it.each([
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['192.0.2.7/32', '192.0.2.7/32'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['::/0', '0:0:0:0:0:0:0:0/0'],
    ['::1/128', '0:0:0:0:0:0:0:1/128'],
    ['2001:db8::/32', '2001:db8:0:0:0:0:0:0/32'],
    ['2001:db8::1', '2001:db8:0:0:0:0:0:1/128'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:1.2.3.4', '1.2.3.4/32'],
    ['::/80', '0:0:0:0:0:0:0:0/80'],
  ])('parses %s as %s', (text, formatted) => {
    expect(formatCidr(cidr(text))).toBe(formatted)
  })

  it.each([
    ['10.0.0.1/8', 'host bits set after the /8; did you mean 10.0.0.0/8?'],
    ['2001:db8::1/32', 'did you mean 2001:db8:0:0:0:0:0:0/32?'],
    ['10.0.0.0/33', 'from 0 to 32'],
    ['::/129', 'from 0 to 128'],
    ['10.0.0.0/', 'from 0 to 32'],
    ['10.0.0.0/08', 'from 0 to 32'],
    ['10.0.0.0/-1', 'from 0 to 32'],
    ['10.0.0.0/8/8', 'from 0 to 32'],
    ['10.0.0/8', 'not an IPv4 or IPv6 address'],
    ['', 'not an IPv4 or IPv6 address'],
    ['fe80::/10%eth0', 'from 0 to 128'],
  ])('rejects %j (%s)', (text, reason) => {
    const r = parseCidr(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toContain(reason)
  })
})

describe('cidrContains', () => {
  it.each([
    ['0.0.0.0/0', '0.0.0.0', true],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['0.0.0.0/0', '::ffff:8.8.8.8', true],
    ['0.0.0.0/0', '::1', false],
    ['::/0', '2001:db8::1', true],
    ['::/0', '8.8.8.8', false],
    ['::/0', '::ffff:8.8.8.8', false],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['192.0.2.7/32', '192.0.2.7', true],
    ['192.0.2.7/32', '192.0.2.6', false],
    ['192.0.2.7/32', '192.0.2.8', false],
    ['192.0.2.7/32', '::ffff:192.0.2.7', true],
    ['192.0.2.0/31', '192.0.2.1', true],
    ['192.0.2.0/31', '192.0.2.2', false],
    ['::ffff:192.0.2.0/120', '192.0.2.200', true],
    ['2001:db8::/32', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db8::/32', '2001:db9::', false],
    ['2001:db8::/33', '2001:db8:8000::', false],
    ['2001:db8::/33', '2001:db8:7fff::', true],
    ['2001:db8::1/128', '2001:db8::1', true],
    ['2001:db8::1/128', '2001:db8::2', false],
    ['2001:db8::1/128', '2001:db8::', false],
    ['fe80::/64', 'fe80::ffff:ffff:ffff:ffff', true],
    ['fe80::/64', 'fe80:0:0:1::', false],
    ['::1.2.3.4/128', '1.2.3.4', false],
    ['::/80', '::ffff:1.2.3.4', false],
    ['::/80', '::1', true],
  ])('%s contains %s: %s', (range, addr, want) => {
    expect(cidrContains(cidr(range), ip(addr))).toBe(want)
  })

  it('compileCidrSet matches any range of the address family, and throws on an invalid range', () => {
    const inSet = compileCidrSet(['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32'])
    expect(['10.1.2.3', '192.0.2.99', '2001:db8::5', '::ffff:10.9.9.9'].map((a) => inSet(ip(a)))).toEqual([true, true, true, true])
    expect(['11.0.0.1', '2001:db9::', '::1'].map((a) => inSet(ip(a)))).toEqual([false, false, false])
    expect(() => compileCidrSet(['10.0.0.1/8'])).toThrow('host bits')
  })
})
