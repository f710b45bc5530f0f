import { describe } from 'vitest'
import { ipFilterConfig } from '../../../src/filters/ip-filter/index.ts'
import { describeConfig } from '../_config.ts'

describe('ip_filter', () => {
  describeConfig(ipFilterConfig, {
    valid: [
      { name: 'an allow list of CIDRs', input: { allow: { cidrs: ['10.0.0.0/8', '2001:db8::/32'] } }, expect: { allow: { cidrs: ['10.0.0.0/8', '2001:db8::/32'], countries: [], headers: [] } } },
      { name: 'a deny list of countries, upper-cased', input: { deny: { countries: ['kp', 'T1', 'XX'] } }, expect: { deny: { countries: ['KP', 'T1', 'XX'] } } },
      { name: 'single addresses, /0, /32, /128 and IPv4-mapped', input: { deny: { cidrs: ['192.0.2.1', '0.0.0.0/0', '198.51.100.7/32', '::1/128', '::/0', '::ffff:203.0.113.0/120'] } } },
      { name: 'header rules', input: { allow: { headers: [{ name: 'x-internal', exact: 'yes' }, { name: 'x-bot', present: false }] } } },
      { name: 'both lists', input: { deny: { cidrs: ['10.1.0.0/16'] }, allow: { cidrs: ['10.0.0.0/8'], countries: ['DE'] } } },
    ],
    invalid: [
      { name: 'no rules at all', input: {}, error: 'set at least one rule in allow or deny' },
      { name: 'only empty lists', input: { allow: { cidrs: [] }, deny: {} }, error: 'set at least one rule' },
      { name: 'host bits set', input: { allow: { cidrs: ['10.0.0.1/8'] } }, error: 'did you mean 10.0.0.0/8?' },
      { name: 'a prefix over 32', input: { deny: { cidrs: ['10.0.0.0/33'] } }, error: 'from 0 to 32' },
      { name: 'a prefix over 128', input: { deny: { cidrs: ['::/129'] } }, error: 'from 0 to 128' },
      { name: 'a hostname', input: { deny: { cidrs: ['example.com'] } }, error: 'not an IPv4 or IPv6 address' },
      { name: 'an octet over 255', input: { deny: { cidrs: ['256.1.1.1'] } }, error: 'not an IPv4 or IPv6 address' },
      { name: 'a leading-zero octet (octal ambiguity)', input: { deny: { cidrs: ['010.0.0.0/8'] } }, error: 'not an IPv4 or IPv6 address' },
      { name: 'an IPv6 zone id', input: { deny: { cidrs: ['fe80::1%eth0'] } }, error: 'not an IPv4 or IPv6 address' },
      { name: 'a bracketed IPv6', input: { deny: { cidrs: ['[::1]'] } }, error: 'not an IPv4 or IPv6 address' },
      { name: 'a range with spaces', input: { deny: { cidrs: [' 10.0.0.0/8'] } }, error: 'not an IPv4 or IPv6 address' },
      { name: 'a three-letter country', input: { deny: { countries: ['DEU'] } }, error: 'two-letter country code' },
      { name: 'a header rule without a name', input: { deny: { headers: [{ exact: 'x' }] } }, error: 'deny.headers.0.name' },
      { name: 'an unknown list key', input: { deny: { ips: ['10.0.0.0/8'] } }, error: 'ips' },
      { name: 'Envoy RBAC policies (not supported)', input: { rules: { action: 'DENY' } }, error: 'rules' },
    ],
  })
})
