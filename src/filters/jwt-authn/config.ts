/**
 * @module jwt_authn filter config (Envoy `JwtAuthentication`): providers defined once in the http_filters
 * entry, a requirement per route (a route override sets `requires`, and inherits `providers`).
 */
import * as z from 'zod'
import { duration, headerName } from '../../config/primitives.ts'
import { ALGORITHMS, type Algorithm, ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, MAX_JWKS_KEYS, minSecretBytes, parseJwks, secretBytes } from './keys.ts'
import { requirement } from './requirement-config.ts'
import { hmacSecret, remoteJwks } from './source-config.ts'

export const JWT_AUTHN_ERRORS = {
  ERR_JWT_MISSING: { status: 401, flag: 'UAEX', title: 'This route requires a JWT' },
  ERR_JWT_INVALID: { status: 401, flag: 'UAEX', title: 'The JWT is invalid' },
  ERR_JWT_FORBIDDEN: { status: 403, flag: 'UAEX', title: 'The JWT does not grant access to this route' },
} as const

const providerName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'provider names use letters, digits, "_", "." and "-"')
  .refine((n) => !['__proto__', 'constructor', 'prototype'].includes(n), 'this provider name is reserved')

/**
 * A JWT time setting. NumericDates are compared in whole seconds (jose floors the clock), so a fraction would be
 * rounded away silently; it is refused instead, as Envoy's `clock_skew_seconds` is an integer.
 */
const wholeSeconds = (maxMs: number, max: string) =>
  duration
    .refine((ms) => ms % 1000 === 0, 'JWT times are whole seconds: use a whole number of seconds, e.g. "2s" (not "1500ms")')
    .refine((ms) => ms <= maxMs, `at most ${max}`)

/** Token location: a request header, with an optional prefix (e.g. `Bearer `). */
const fromHeader = z.strictObject({
  name: headerName,
  /** Exact, case-sensitive prefix before the token (case-insensitive `Bearer ` on `Authorization`). */
  value_prefix: z.string().max(64).regex(/^[^\r\n\0]*$/).optional(),
})

/** `claim_to_headers` entry: copy a (nested `a.b.c`) claim into an upstream request header. */
const claimToHeader = z.strictObject({ header_name: headerName, claim_name: z.string().min(1).max(256) })

/** A JWT issuer and how its tokens are found and verified (Envoy `JwtProvider`). */
export const jwtProvider = z
  .strictObject({
    /** Required `iss` (exact). @default unset: `iss` is not checked */
    issuer: z.string().min(1).optional(),
    /** Accepted `aud` values: the token must name at least one. @default unset: `aud` is not checked */
    audiences: z.array(z.string().min(1)).min(1).optional(),
    remote_jwks: remoteJwks.optional(),
    /** An inline JWKS document (`{ keys: [...] }`), public keys only. */
    local_jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(100) }).optional(),
    hmac_secret: hmacSecret.optional(),
    /**
     * Allowed `alg` values. `none` is never allowed. HS* only with `hmac_secret`, asymmetric only with a JWKS.
     * @default every asymmetric algorithm for a JWKS; HS256 for `hmac_secret`
     */
    algorithms: z.array(z.enum(ALGORITHMS)).min(1).optional(),
    /** Where the token is looked for. @default Authorization: Bearer (when no location is set) */
    from_headers: z.array(fromHeader).max(10).optional(),
    /** Query parameters carrying the token (they end up in logs: prefer headers). */
    from_params: z.array(z.string().min(1).max(128)).max(10).optional(),
    from_cookies: z.array(z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/, 'not a valid cookie name')).max(10).optional(),
    /** Keep the token in the request sent upstream. @default false (removed from its header, parameter or cookie) */
    forward: z.boolean().default(false),
    /** Upstream header set to the verified payload, base64url (the token's own payload segment). */
    forward_payload_header: headerName.optional(),
    /** Claims copied to upstream headers; client copies of these headers are always removed. @default [] */
    claim_to_headers: z.array(claimToHeader).max(20).default([]),
    /** Leeway for `exp`, `nbf`, `iat` and `max_token_age`; whole seconds, at most 1h. @default 60s (Envoy) */
    clock_skew: wholeSeconds(3_600_000, '1h').default(60_000),
    /**
     * Refuse tokens issued (`iat`) more than this (plus `clock_skew`) ago; `iat` becomes required (jose `maxTokenAge`).
     * Whole seconds, 1s–8760h. @default unset: age unchecked (Envoy has none; its `max_lifetime` bounds `exp`)
     */
    max_token_age: wholeSeconds(8760 * 3_600_000, '8760h')
      .refine((ms) => ms >= 1000, 'at least 1s')
      .optional(),
    /** Reject tokens without `exp`. @default true (Envoy: false; a token without expiry never expires) */
    require_expiration: z.boolean().default(true),
    /** Longer tokens are rejected before any parsing. @default 8192 bytes */
    max_token_size: z.number().int().min(256).max(65_536).default(8192),
    /** Verified tokens kept per isolate (LRU, never past `exp`); 0 disables. @default 100 (Envoy) */
    jwt_cache_size: z.number().int().min(0).max(10_000).default(100),
    /**
     * Signature checks per token at most: the keys matching its `kid` (all keys of its `alg` when it has none),
     * in JWKS order; the rest are not tried. Bounds the CPU a forged token costs. @default 10 (Envoy: unbounded)
     */
    max_candidate_keys: z.number().int().min(1).max(MAX_JWKS_KEYS).default(10),
  })
  .superRefine((p, ctx) => {
    const sources = (['remote_jwks', 'local_jwks', 'hmac_secret'] as const).filter((k) => p[k] !== undefined)
    if (sources.length !== 1)
      return ctx.addIssue({
        code: 'custom',
        message: `set exactly one of remote_jwks, local_jwks, hmac_secret (got ${sources.join(', ') || 'none'})`,
      })
    const hmac = p.hmac_secret !== undefined
    const family: readonly string[] = hmac ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS
    const algorithms = allowedAlgorithms(p)
    const wrong = algorithms.filter((a) => !family.includes(a))
    if (wrong.length)
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: hmac
          ? `${wrong.join(', ')} need a JWKS; an hmac_secret provider allows HS256, HS384, HS512 only`
          : `${wrong.join(', ')} need hmac_secret: a JWKS key is never used as an HMAC secret`,
      })
    const inline = p.hmac_secret?.inline
    const bytes = inline === undefined ? undefined : secretBytes(inline, p.hmac_secret!.encoding)
    const min = minSecretBytes(algorithms)
    if (bytes && bytes.length < min)
      ctx.addIssue({
        code: 'custom',
        path: ['hmac_secret', 'inline'],
        message: `an HMAC key for these algorithms needs at least ${min} bytes (RFC 7518 §3.2)`,
      })
    const headers = p.from_headers ?? (p.from_params || p.from_cookies ? [] : [{ name: 'authorization' }])
    const locations = new Set(headers.map((h) => h.name.toLowerCase()))
    for (const h of [p.forward_payload_header, ...p.claim_to_headers.map((c) => c.header_name)])
      if (h !== undefined && locations.has(h.toLowerCase()))
        ctx.addIssue({ code: 'custom', message: `${h} is where the token is read from; it cannot also receive claims` })
    if (p.local_jwks) {
      const parsed = parseJwks(p.local_jwks, new Set(algorithms))
      if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['local_jwks'], message: parsed.error })
    }
  })
export type JwtProviderConfig = z.output<typeof jwtProvider>

/**
 * `jwt_authn` config. The http_filters entry defines `providers` (and usually a default `requires`); a virtual
 * host or route override sets what differs, typically `requires`, and inherits every top-level field it omits.
 */
export const jwtAuthnConfig = z
  .strictObject({
    /** Providers by name. Defined once, in the http_filters entry. */
    providers: z.record(providerName, jwtProvider).optional(),
    /** What this route needs. @default any one provider verifies a token (fail closed; Envoy: nothing required) */
    requires: requirement.optional(),
    /** `realm` in `WWW-Authenticate`. @default the request's host */
    realm: z.string().regex(/^[A-Za-z0-9 _.:\/-]{1,128}$/, 'realm uses letters, digits, space and _.:/-').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.providers === undefined && c.requires === undefined && c.realm === undefined)
      return ctx.addIssue({ code: 'custom', message: 'set providers (in the http_filters entry) or requires (in an override)' })
    if (c.providers && Object.keys(c.providers).length === 0)
      ctx.addIssue({ code: 'custom', path: ['providers'], message: 'define at least one provider' })
    if (c.providers && c.requires)
      for (const [name, path] of providerRefs(c.requires, ['requires']))
        if (!Object.hasOwn(c.providers, name))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `unknown provider "${name}" (known: ${Object.keys(c.providers).join(', ')})`,
          })
  })
export type JwtAuthnConfig = z.output<typeof jwtAuthnConfig>

/** A provider's algorithm allowlist: as configured, or every asymmetric algorithm (JWKS) / HS256 (secret). */
export function allowedAlgorithms(p: { algorithms?: Algorithm[] | undefined; hmac_secret?: unknown }): Algorithm[] {
  return p.algorithms ?? (p.hmac_secret !== undefined ? ['HS256'] : [...ASYMMETRIC_ALGORITHMS])
}

/** Every provider name a requirement refers to. */
/** Each provider a requirement names, with the path of its `provider` field. */
function providerRefs(r: z.output<typeof requirement>, at: PropertyKey[]): [string, PropertyKey[]][] {
  if (r.provider !== undefined) return [[r.provider, [...at, 'provider']]]
  return (['requires_any', 'requires_all'] as const).flatMap((k) => (r[k] ?? []).flatMap((sub, i) => providerRefs(sub, [...at, k, i])))
}
