/** @module jwt_authn requirement schema (Envoy `JwtRequirement`), recursive through requires_any/requires_all. */
import * as z from 'zod'

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope is printable ASCII without spaces, quotes or backslashes')

/** A claim the token must carry (nested names `a.b.c`), with one of `values` when given. */
const claimRequirement = z.strictObject({
  name: z.string().min(1).max(256),
  /**
   * Accepted values, compared exactly with the claim (numbers and booleans by their JSON text; for an array
   * claim, any element). @default unset: the claim must be present, with any value
   */
  values: z.array(z.string()).min(1).max(100).optional(),
})

const KINDS = ['provider', 'requires_any', 'requires_all', 'allow_missing', 'allow_missing_or_failed'] as const

export interface RequirementInput {
  provider?: string
  audiences?: string[]
  scopes?: string[]
  claims?: z.input<typeof claimRequirement>[]
  requires_any?: RequirementInput[]
  requires_all?: RequirementInput[]
  allow_missing?: true
  allow_missing_or_failed?: true
}
export interface Requirement {
  provider?: string
  audiences?: string[]
  scopes?: string[]
  claims?: z.output<typeof claimRequirement>[]
  requires_any?: Requirement[]
  requires_all?: Requirement[]
  allow_missing?: true
  allow_missing_or_failed?: true
}

/**
 * Exactly one of: `provider` (with optional `audiences` override, `scopes`, `claims`), `requires_any` (one
 * child passes), `requires_all` (every child passes), `allow_missing: true` (no token is fine; a token present
 * must verify), `allow_missing_or_failed: true` (always passes; a token that verifies still sets the identity).
 */
export const requirement: z.ZodType<Requirement, RequirementInput> = z.lazy(() =>
  z
    .strictObject({
      /** The provider that must verify the token. */
      provider: z.string().min(1).optional(),
      /** Replaces the provider's `audiences` for this requirement. */
      audiences: z.array(z.string().min(1)).min(1).optional(),
      /** Every one of these must be granted (`scope`, space-delimited, or `scp`); else 403 insufficient_scope. */
      scopes: z.array(scopeToken).min(1).max(50).optional(),
      /** Claims that must be present (with one of the listed values); else 403. */
      claims: z.array(claimRequirement).min(1).max(20).optional(),
      /** Passes when any child passes (in order; the first that passes wins). */
      requires_any: z.array(requirement).min(2).max(10).optional(),
      /** Passes when every child passes. */
      requires_all: z.array(requirement).min(2).max(10).optional(),
      allow_missing: z.literal(true).optional(),
      allow_missing_or_failed: z.literal(true).optional(),
    })
    .superRefine((r, ctx) => {
      const set = KINDS.filter((k) => r[k] !== undefined)
      if (set.length !== 1)
        ctx.addIssue({ code: 'custom', message: `set exactly one of ${KINDS.join(', ')} (got ${set.join(', ') || 'none'})` })
      if (r.provider === undefined && (r.audiences || r.scopes || r.claims))
        ctx.addIssue({ code: 'custom', message: 'audiences, scopes and claims go with provider' })
    })
)
