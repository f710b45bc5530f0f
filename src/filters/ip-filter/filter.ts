/** @module ip_filter filter: refuses requests by client address range, country or header, with a 403 problem. */
import { problem } from '../../http/problem.ts'
import { compileCidrSet, parseIp, type IpAddress } from '../../lib/cidr.ts'
import { compileHeaderMatch } from '../../router/matchers.ts'
import { defineFilter, type RequestContext } from '../types.ts'
import { IP_FILTER_ERRORS, IP_FILTER_STATS, ipFilterConfig, type IpRuleList } from './config.ts'

/** What happened to one request, in `rc.state.ip_filter`. */
export interface IpFilterState {
  outcome: 'allowed' | 'denied'
  /** For denials: a deny rule matched, or no allow rule did. */
  reason?: 'deny_rule' | 'not_allowed'
}

declare module '../../context.ts' {
  interface FilterStateMap {
    ip_filter: IpFilterState
  }
}

/** What a rule list sees of a request. */
interface Subject {
  address: IpAddress | undefined
  country: string | undefined
  headers: Headers
}

/** Compiles a rule list into one predicate: true when any rule matches. */
function compileRules(list: IpRuleList | undefined): ((s: Subject) => boolean) | undefined {
  if (!list || (list.cidrs.length === 0 && list.countries.length === 0 && list.headers.length === 0)) return undefined
  const inRange = list.cidrs.length ? compileCidrSet(list.cidrs) : undefined
  const countries = new Set(list.countries)
  const headers = list.headers.map(compileHeaderMatch)
  return (s) =>
    (inRange !== undefined && s.address !== undefined && inRange(s.address)) ||
    (s.country !== undefined && countries.has(s.country)) ||
    headers.some((m) => m(s.headers))
}

function countryOf(rc: RequestContext): string | undefined {
  const c = (rc.request.cf as { country?: unknown } | undefined)?.country
  return typeof c === 'string' ? c.toUpperCase() : undefined
}

/**
 * The `ip_filter` filter. Answers locally with 403 `ERR_IP_FILTER_DENIED` (flag `UAEX`) when a deny rule matches,
 * or when allow rules exist and none matches. An unparseable client address matches no CIDR (so allow-lists
 * refuse it: fail closed).
 * @example http_filters: [{ name: ip_filter, config: { allow: { cidrs: [10.0.0.0/8] }, deny: { countries: [XX] } } }]
 */
export const ipFilterFilter = defineFilter({
  name: 'ip_filter',
  status: 'alpha',
  description: 'Allows or denies requests by client CIDR (IPv4/IPv6), country and headers, with a 403 problem',
  configSchema: ipFilterConfig,
  errors: IP_FILTER_ERRORS,
  stats: IP_FILTER_STATS,
  create(config) {
    const deny = compileRules(config.deny)
    const allow = compileRules(config.allow)

    const refuse = (rc: RequestContext, reason: IpFilterState['reason']) => {
      rc.stats.counter('ip_filter.denied')
      rc.state.ip_filter = { outcome: 'denied', reason } satisfies IpFilterState
      rc.flags.add('UAEX')
      return problem(
        { code: 'ERR_IP_FILTER_DENIED', detail: 'this route does not accept requests from your network, location or client.', requestId: rc.requestId },
        IP_FILTER_ERRORS
      )
    }

    return {
      onRequest: function ipFilter(rc) {
        const subject: Subject = { address: parseIp(rc.clientAddress), country: countryOf(rc), headers: rc.headers }
        if (deny?.(subject)) return refuse(rc, 'deny_rule')
        if (allow && !allow(subject)) return refuse(rc, 'not_allowed')
        rc.stats.counter('ip_filter.allowed')
        rc.state.ip_filter = { outcome: 'allowed' } satisfies IpFilterState
      },
    }
  },
})
