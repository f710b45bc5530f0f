/** @module ip_filter config: allow and deny rules by CIDR range, country and header (Envoy RBAC-like). */
import * as z from 'zod'
import { headerMatch } from '../../config/primitives.ts'
import { parseCidr } from '../../lib/cidr.ts'
import { declareStats } from '../types.ts'

/** As Envoy RBAC's `rbac.allowed` / `rbac.denied`. */
export const IP_FILTER_STATS = declareStats('ip_filter', {
  allowed: 'requests the rules let through',
  denied: 'requests refused with 403 ERR_IP_FILTER_DENIED',
})

export const IP_FILTER_ERRORS = {
  ERR_IP_FILTER_DENIED: { status: 403, flag: 'UAEX', title: 'Requests from this address or location are not accepted here' },
} as const

const cidr = z.string().superRefine((s, ctx) => {
  const r = parseCidr(s)
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason })
})

/** ISO 3166-1 alpha-2 as Cloudflare reports it in `request.cf.country`, plus `T1` (Tor) and `XX` (unknown). */
const country = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]$/, 'a two-letter country code such as "DE" (or T1 for Tor, XX for unknown)')
  .transform((c) => c.toUpperCase())

/** One list of rules: a request matches it when ANY rule matches. */
const ruleList = z.strictObject({
  /** Ranges such as `203.0.113.0/24`, `2001:db8::/32`, or single addresses; host bits must be zero. Max 1000. @default [] */
  cidrs: z.array(cidr).max(1000).default([]),
  /** Countries from `request.cf.country`. A request without one (local runs) matches none. Max 300. @default [] */
  countries: z.array(country).max(300).default([]),
  /** Header matchers on the upstream-bound headers (after earlier filters and ingress sanitizing). Max 50. @default [] */
  headers: z.array(headerMatch).max(50).default([]),
})
export type IpRuleList = z.output<typeof ruleList>

const isEmpty = (l: IpRuleList | undefined) => !l || (l.cidrs.length === 0 && l.countries.length === 0 && l.headers.length === 0)

/**
 * `ip_filter` config. Evaluation: a request matching any `deny` rule is refused (deny wins); otherwise, when
 * `allow` has rules, a request matching none of them is refused; otherwise it passes. CIDRs test the trusted
 * client address (`rc.clientAddress`: CF-Connecting-IP, or X-Forwarded-For only per `xff_num_trusted_hops`).
 */
export const ipFilterConfig = z
  .strictObject({
    /** Rules that refuse a request (checked first). @default unset */
    deny: ruleList.optional(),
    /** Rules of which a request must match one, when any are set. @default unset: everything not denied passes */
    allow: ruleList.optional(),
  })
  .superRefine((c, ctx) => {
    if (isEmpty(c.deny) && isEmpty(c.allow))
      ctx.addIssue({ code: 'custom', message: 'set at least one rule in allow or deny (cidrs, countries or headers)' })
  })

/** Parsed `ip_filter` config. */
export type IpFilterConfig = z.output<typeof ipFilterConfig>
