/**
 * @module Descriptors: compiles a limit's actions (Envoy `RateLimit.Action`) into one function that builds the
 * request's descriptor, or says the limit does not apply. Everything is decided at compile time.
 */
import { maskAddress } from '../../ratelimit/address.ts'
import { compileHeaderMatch, parseQuery } from '../../router/matchers.ts'
import type { RequestContext } from '../types.ts'
import type { RateLimitAction } from './config.ts'

/** Per-request lazy inputs shared by every limit of the filter. */
export interface DescriptorInput {
  rc: RequestContext
  /** Parsed once, on first use. */
  query?: Map<string, string>
}

/** An action's answer: an entry, nothing (entry omitted), or SKIP (the limit does not apply). */
type Entry = readonly [string, string] | null | typeof SKIP
const SKIP = Symbol('skip')
type Action = (input: DescriptorInput) => Entry

/** A value that is absent: skip the limit, or omit the entry with `skip_if_absent`. */
const absent = (skipIfAbsent: boolean): Entry => (skipIfAbsent ? null : SKIP)

function claimValue(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

function compileAction(a: RateLimitAction): Action {
  if (a.remote_address) return ({ rc }) => ['remote_address', rc.clientAddress]
  if (a.masked_remote_address) {
    const { v4_prefix_mask_len: v4, v6_prefix_mask_len: v6 } = a.masked_remote_address
    return ({ rc }) => {
      const masked = maskAddress(rc.clientAddress, v4, v6)
      return masked === undefined ? SKIP : ['masked_remote_address', masked]
    }
  }
  if (a.request_headers) {
    const { header_name, descriptor_key, skip_if_absent } = a.request_headers
    const name = header_name.toLowerCase()
    const key = descriptor_key ?? name
    return ({ rc }) => {
      const v = rc.headers.get(name)
      return v === null ? absent(skip_if_absent) : [key, v]
    }
  }
  if (a.query_parameters) {
    const { query_parameter_name: name, descriptor_key, skip_if_absent } = a.query_parameters
    const key = descriptor_key ?? name
    return (input) => {
      const v = (input.query ??= parseQuery(input.rc.url.search)).get(name)
      return v === undefined ? absent(skip_if_absent) : [key, v]
    }
  }
  if (a.generic_key) {
    const entry = [a.generic_key.descriptor_key, a.generic_key.descriptor_value] as const
    return () => entry
  }
  if (a.header_value_match) {
    const { descriptor_key, descriptor_value, expect_match, headers } = a.header_value_match
    const matchers = headers.map(compileHeaderMatch)
    const entry = [descriptor_key, descriptor_value] as const
    return ({ rc }) => (matchers.every((m) => m(rc.headers)) === expect_match ? entry : SKIP)
  }
  if (a.route_name) return ({ rc }) => ['route_name', rc.routeName]
  if (a.method) return ({ rc }) => ['method', rc.method]
  if (a.jwt_claim) {
    const { provider, claim, descriptor_key, skip_if_absent } = a.jwt_claim
    const path = claim.split('.')
    const key = descriptor_key ?? claim
    return ({ rc }) => {
      let v: unknown = rc.identity.claims?.[provider]
      for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined
      const s = claimValue(v)
      return s === undefined ? absent(skip_if_absent) : [key, s]
    }
  }
  if (a.api_key_consumer) {
    const { descriptor_key, skip_if_absent } = a.api_key_consumer
    return ({ rc }) => (rc.identity.consumer === undefined ? absent(skip_if_absent) : [descriptor_key, rc.identity.consumer])
  }
  throw new Error('rate limit action has no kind')
}

/**
 * Compiles the actions of one limit.
 * @returns a function giving the descriptor as a string (JSON of the entries, unambiguous whatever the values
 * contain), or `null` when an action cannot produce its entry and so the limit does not apply to the request.
 * @example compileDescriptor([{ remote_address: {} }])({ rc }) // '["remote_address","203.0.113.7"]'
 */
export function compileDescriptor(actions: readonly RateLimitAction[]): (input: DescriptorInput) => string | null {
  const compiled = actions.map(compileAction)
  return (input) => {
    const parts: string[] = []
    for (const action of compiled) {
      const e = action(input)
      if (e === SKIP) return null
      if (e) parts.push(e[0], e[1])
    }
    return JSON.stringify(parts)
  }
}
