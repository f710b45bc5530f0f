/** @module Compiles the rate_limit config once per version: modes resolved, keys prefixed, policies pre-rendered. */
import type { LimitSpec } from '../../ratelimit/limit.ts'
import { type RateLimitConfig, type RateLimitEntry, unitMs } from './config.ts'
import { type DescriptorInput, compileDescriptor } from './descriptors.ts'
import { policyItem } from './headers.ts'

/** Where a limit is counted. */
export type Mode = 'exact' | 'leased' | 'local' | 'binding'

/** One limit, ready for requests. */
export interface CompiledLimit {
  readonly name: string
  readonly mode: Mode
  /** The request's descriptor, or null when the limit does not apply. */
  readonly descriptor: (input: DescriptorInput) => string | null
  /** `<domain>/<name>/<algorithm>/`: keys of different algorithms or windows never share state. */
  readonly keyPrefix: string
  /** Undefined for the Workers binding (its settings live in wrangler.toml). */
  readonly spec?: LimitSpec
  readonly cost: number
  readonly shadow: boolean
  /** The `RateLimit-Policy` item. */
  readonly policy: string
  /** Largest lease, in units. */
  readonly maxLease: number
  readonly binding?: { readonly name: string; readonly periodMs: number }
}

/** Leased mode is chosen by `auto` when a lease may hold at least this many units. */
export const AUTO_LEASE_MIN = 10

function specOf(l: RateLimitEntry): LimitSpec | undefined {
  if (l.token_bucket)
    return { kind: 'token_bucket', maxTokens: l.token_bucket.max_tokens, tokensPerFill: l.token_bucket.tokens_per_fill, fillIntervalMs: l.token_bucket.fill_interval }
  if (l.sliding_window) return { kind: 'sliding_window', limit: l.sliding_window.requests_per_unit, windowMs: unitMs(l.sliding_window.unit) }
  return undefined
}

/** q and w of the policy: a bucket advertises its burst over the time it takes to refill from empty. */
function policyOf(l: RateLimitEntry, spec: LimitSpec | undefined): string {
  if (spec?.kind === 'token_bucket')
    return policyItem(l.name, spec.maxTokens, Math.ceil(spec.maxTokens / spec.tokensPerFill) * spec.fillIntervalMs)
  if (spec?.kind === 'sliding_window') return policyItem(l.name, spec.limit, spec.windowMs)
  return policyItem(l.name, l.workers_ratelimit!.limit, l.workers_ratelimit!.period * 1000)
}

/** Resolves and precomputes every limit of a config. */
export function compileLimits(config: RateLimitConfig): CompiledLimit[] {
  return config.rate_limits.map((l) => {
    const spec = specOf(l)
    const capacity = spec ? (spec.kind === 'token_bucket' ? spec.maxTokens : spec.limit) : 0
    const maxLease = Math.max(l.hits_addend, Math.floor(capacity * config.lease.max_fraction))
    const mode: Mode = !spec ? 'binding' : l.mode !== 'auto' ? l.mode : maxLease >= AUTO_LEASE_MIN ? 'leased' : 'exact'
    const algorithm = spec?.kind === 'token_bucket' ? 'tb' : spec ? `sw${spec.windowMs}` : 'wr'
    return {
      name: l.name,
      mode,
      descriptor: compileDescriptor(l.actions),
      keyPrefix: `${config.domain}/${l.name}/${algorithm}/`,
      ...(spec ? { spec } : {}),
      cost: l.hits_addend,
      shadow: l.shadow_mode ?? config.shadow_mode,
      policy: policyOf(l, spec),
      maxLease,
      ...(l.workers_ratelimit ? { binding: { name: l.workers_ratelimit.binding, periodMs: l.workers_ratelimit.period * 1000 } } : {}),
    }
  })
}
