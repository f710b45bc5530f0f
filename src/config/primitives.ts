/** @module Reusable zod schemas for route tables: durations, string/header/query/cookie matchers, header mutations. */
import * as z from 'zod'
import { checkHeaderValueFormat } from '../lib/header-mutation.ts'
import { checkSafeRegex } from '../lib/safe-regex.ts'

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const

/** Parses "250ms", "15s", "1.5m", "1h" into milliseconds. */
export function toMs(duration: string): number {
  const m = DURATION_RE.exec(duration)
  if (!m) throw new Error(`not a duration: ${duration}`)
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS])
}

/** A duration such as "15s" or "250ms", validated, turned into milliseconds. */
export const duration = z
  .string()
  .regex(DURATION_RE, 'expected a duration such as "15s", "250ms", "1m" or "1h"')
  .transform(toMs)

/** A duration greater than zero (timeouts, intervals). */
export const positiveDuration = duration.refine((ms) => ms > 0, 'must be greater than 0')

/** A count of at least 1. */
export const positiveCount = z.number().int().min(1)

/** A percentage, 0 to 100 (fractions allowed). */
export const percent = z.number().min(0).max(100)

/**
 * Checks a config regex: RE2 syntax, matched in linear time. Backreferences, lookaround, possessive quantifiers
 * and atomic groups are refused with the reason, as is a program larger than the bound (see src/lib/safe-regex.ts).
 */
export function checkRegex(source: string): string | undefined {
  return checkSafeRegex(source)
}

const regex = z.string().min(1).superRefine((s, ctx) => {
  const err = checkRegex(s)
  if (err) ctx.addIssue({ code: 'custom', message: err })
})

/** Envoy StringMatcher: exactly one of exact, prefix, suffix, contains, regex (full match). */
export const stringMatch = z
  .strictObject({
    exact: z.string().optional(),
    prefix: z.string().min(1).optional(),
    suffix: z.string().min(1).optional(),
    contains: z.string().min(1).optional(),
    /** Full match, RE2 syntax, linear time. `ignore_case` applies to it too (Envoy ignores it for regex). */
    regex: regex.optional(),
    /** @default false */
    ignore_case: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    const set = (['exact', 'prefix', 'suffix', 'contains', 'regex'] as const).filter((k) => m[k] !== undefined)
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `set exactly one of exact, prefix, suffix, contains, regex (got ${set.length ? set.join(', ') : 'none'})`,
      })
  })
export type StringMatch = z.output<typeof stringMatch>

const valueMatchFields = {
  exact: z.string().optional(),
  prefix: z.string().min(1).optional(),
  suffix: z.string().min(1).optional(),
  contains: z.string().min(1).optional(),
  regex: regex.optional(),
  /** true: must be present (any value); false: must be absent. */
  present: z.boolean().optional(),
  /** @default false */
  ignore_case: z.boolean().default(false),
  /** Inverts the result. A missing header still fails unless `treat_missing_as_empty` (Envoy). @default false */
  invert: z.boolean().default(false),
  /** Match a missing value as "". @default false */
  treat_missing_as_empty: z.boolean().default(false),
}

function atMostOneSpecifier(m: Record<string, unknown>, ctx: z.RefinementCtx) {
  const set = ['exact', 'prefix', 'suffix', 'contains', 'regex', 'present'].filter((k) => m[k] !== undefined)
  if (set.length > 1)
    ctx.addIssue({ code: 'custom', message: `set at most one of exact, prefix, suffix, contains, regex, present (got ${set.join(', ')})` })
}

/** Envoy HeaderMatcher. No specifier means "present". Names are case-insensitive. */
export const headerMatch = z
  .strictObject({ name: z.string().min(1).regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z:]+$/, 'not a valid header name'), ...valueMatchFields })
  .superRefine(atMostOneSpecifier)
export type HeaderMatch = z.output<typeof headerMatch>

/** Envoy QueryParameterMatcher: the first value of a repeated key, as received (not decoded). */
export const queryMatch = z.strictObject({ name: z.string().min(1).max(1024), ...valueMatchFields }).superRefine(atMostOneSpecifier)
export type QueryMatch = z.output<typeof queryMatch>

/** Envoy CookieMatcher, parsed from the Cookie header. */
export const cookieMatch = z.strictObject({ name: z.string().min(1), ...valueMatchFields }).superRefine(atMostOneSpecifier)
export type CookieMatch = z.output<typeof cookieMatch>

/** Envoy HeaderValueOption.append_action. */
export const appendAction = z.enum(['append_if_exists_or_add', 'add_if_absent', 'overwrite_if_exists_or_add', 'overwrite_if_exists'])

const headerName = z.string().min(1).regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'not a valid header name')
const headerValue = z.string().regex(/^[^\r\n\0]*$/, 'header values cannot contain CR, LF or NUL')

/** A header value that may use the formatter (`%REQ(x)%`, `%%`, …); checked here so compiling cannot fail. */
const formattedValue = headerValue.superRefine((v, ctx) => {
  const err = checkHeaderValueFormat(v)
  if (err) ctx.addIssue({ code: 'custom', message: err })
})

/** Envoy HeaderValueOption: `{ header: { key, value }, append_action }`. */
export const headerValueOption = z.strictObject({
  header: z.strictObject({ key: headerName, value: formattedValue }),
  /** @default append_if_exists_or_add (Envoy) */
  append_action: appendAction.default('append_if_exists_or_add'),
  /** Keep the header when its value is empty. @default false */
  keep_empty_value: z.boolean().default(false),
})
export type HeaderValueOption = z.output<typeof headerValueOption>

/** Header additions and removals at one level (virtual host, route, weighted cluster). */
export const headerMutations = {
  request_headers_to_add: z.array(headerValueOption).max(1000).default([]),
  request_headers_to_remove: z.array(headerName).default([]),
  response_headers_to_add: z.array(headerValueOption).max(1000).default([]),
  response_headers_to_remove: z.array(headerName).default([]),
}

export { headerName, headerValue, regex }
