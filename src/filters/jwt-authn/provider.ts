/**
 * @module jwt_authn provider at run time: verifies one token. Order: size, cache, shape and header, issuer and
 * times, audience (all without network), then the key (fetching the JWKS only now), then jose's `jwtVerify`
 * with exactly one algorithm and a key pinned to it. Never throws: every failure is a reason.
 */
import { jwtVerify } from 'jose'
import type { ClusterHandle } from '../../upstream/isolate/cluster.ts'
import { allowedAlgorithms, type JwtProviderConfig } from './config.ts'
import { toLocations, type Location } from './extract.ts'
import { candidates, type KeySource, type SourceContext } from './jwks-cache.ts'
import type { Algorithm } from './keys.ts'
import { createKeySource } from './sources.ts'
import { audienceMatches, checkClaims, type ClaimRules, decodeToken, type DenyReason, isCompactJws } from './token.ts'
import { createTokenCache, deepFreeze, type TokenCache } from './token-cache.ts'

export type VerifyResult =
  | { ok: true; payload: Readonly<Record<string, unknown>>; payloadSegment: string }
  | { ok: false; reason: DenyReason }

export interface ProviderRuntime {
  readonly name: string
  readonly config: JwtProviderConfig
  readonly locations: readonly Location[]
  /**
   * True when `token` has the shape of a compact JWS. A token in the verified-token cache is answered without
   * scanning it: it verified once, so it has that shape.
   */
  wellFormed(token: string): boolean
  /**
   * Verifies a token for this provider: synchronously when the verified-token cache answers (no microtask on the
   * hot path), else a promise.
   * @param audiences - the accepted `aud` values (the provider's, or a requirement's override).
   */
  verify(token: string, audiences: readonly string[] | undefined, ctx: SourceContext): VerifyResult | Promise<VerifyResult>
}

/** jose error codes → reasons. Anything unexpected (a key jose refuses, e.g. RSA < 2048 bits) is `signature`. */
function reasonOf(e: unknown): DenyReason {
  const { code, claim, reason } = (e ?? {}) as { code?: string; claim?: string; reason?: string }
  if (code === 'ERR_JWT_EXPIRED') return claim === 'iat' ? 'too_old' : 'expired'
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'algorithm'
  if (code === 'ERR_JWT_INVALID' || code === 'ERR_JWS_INVALID') return 'malformed'
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    if (claim === 'iat') return reason === 'missing' ? 'missing_iat' : reason === 'check_failed' ? 'iat_future' : 'malformed'
    const byClaim: Record<string, DenyReason> = { iss: 'issuer', aud: 'audience', nbf: 'not_yet_valid', exp: 'missing_exp' }
    return byClaim[claim ?? ''] ?? 'malformed'
  }
  return 'signature'
}

const fail = (reason: DenyReason): VerifyResult => ({ ok: false, reason })

function createProvider(name: string, p: JwtProviderConfig, clusters: ReadonlyMap<string, ClusterHandle> | undefined): ProviderRuntime {
  const algorithms = new Set<Algorithm>(allowedAlgorithms(p))
  const source: KeySource = createKeySource(p, algorithms, clusters, `provider ${name}`)
  const cache: TokenCache = createTokenCache(p.jwt_cache_size)
  // Whole seconds (the schema refuses fractions), passed to jose unchanged: both sides count the same seconds.
  const rules: ClaimRules = {
    issuer: p.issuer,
    skew: p.clock_skew / 1000,
    requireExpiration: p.require_expiration,
    maxAge: p.max_token_age === undefined ? undefined : p.max_token_age / 1000,
  }
  const required = p.require_expiration ? ['exp'] : []
  // Read once: the parsed config is a large object, and its fields are read on every request.
  const maxTokenSize = p.max_token_size
  const cached = p.jwt_cache_size > 0

  async function verifyFull(
    token: string,
    audiences: readonly string[] | undefined,
    ctx: SourceContext,
    cacheKey: string | undefined
  ): Promise<VerifyResult> {
    const decoded = decodeToken(token, algorithms)
    if ('reason' in decoded) return fail(decoded.reason)
    const early = checkClaims(decoded.payload, rules, ctx.now)
    if (early) return fail(early)
    if (!audienceMatches(decoded.payload, audiences)) return fail('audience')

    let set = await source.current(ctx)
    if (!set) return fail('jwks_unavailable')
    let keys = candidates(set, decoded.kid, decoded.alg)
    if (keys.length === 0 && decoded.kid !== undefined) {
      set = await source.refetch(ctx)
      keys = set ? candidates(set, decoded.kid, decoded.alg) : []
    }
    if (keys.length === 0) return fail('unknown_kid')

    const options = {
      algorithms: [decoded.alg],
      clockTolerance: rules.skew,
      currentDate: new Date(ctx.now),
      requiredClaims: required,
      ...(rules.maxAge === undefined ? {} : { maxTokenAge: rules.maxAge }),
      ...(p.issuer === undefined ? {} : { issuer: p.issuer }),
      ...(audiences === undefined ? {} : { audience: [...audiences] }),
    }
    let last: DenyReason = 'signature'
    for (const key of keys.slice(0, p.max_candidate_keys)) {
      try {
        const { payload } = await jwtVerify(token, await key.cryptoKey(decoded.alg), options)
        const frozen = deepFreeze(payload as Record<string, unknown>)
        if (cacheKey !== undefined && typeof payload.exp === 'number')
          cache.set(cacheKey, {
            payload: frozen,
            payloadSegment: decoded.payloadSegment,
            expiresAt: payload.exp * 1000,
            generation: set!.generation,
          })
        return { ok: true, payload: frozen, payloadSegment: decoded.payloadSegment }
      } catch (e) {
        last = reasonOf(e)
        if (last !== 'signature') return fail(last)
      }
    }
    return fail(last)
  }

  /** Defensive: verification must never throw into the pipeline. */
  const unexpected = (e: unknown): VerifyResult => {
    console.error(JSON.stringify({ level: 'error', msg: 'jwt_authn: unexpected verification error', provider: name, error: String(e) }))
    return fail('signature')
  }

  return {
    name,
    config: p,
    locations: toLocations(p),
    wellFormed: (token) => (cached && cache.has(token)) || isCompactJws(token),
    verify(token, audiences, ctx) {
      try {
        if (token.length > maxTokenSize) return fail('too_large')
        // Keyed by the token itself, as Envoy's jwt_cache: a digest per request cost more than the lookup saves.
        const cacheKey = cached ? token : undefined
        const hit = cacheKey === undefined ? undefined : cache.get(cacheKey, ctx.now, source.generation)
        if (hit) {
          ctx.stats.counter('jwt_authn.cache.hit')
          source.maintain(ctx)
          const again = checkClaims(hit.payload, rules, ctx.now)
          if (again) return fail(again)
          if (!audienceMatches(hit.payload, audiences)) return fail('audience')
          return { ok: true, payload: hit.payload, payloadSegment: hit.payloadSegment }
        }
        if (cacheKey !== undefined) ctx.stats.counter('jwt_authn.cache.miss')
        return verifyFull(token, audiences, ctx, cacheKey).catch(unexpected)
      } catch (e) {
        return unexpected(e)
      }
    },
  }
}

/** One runtime per provider config object, so every route inheriting a provider shares its JWKS and cache. */
const runtimes = new WeakMap<JwtProviderConfig, ProviderRuntime>()

/** The shared runtime for a provider config (created on first use, at compile time). */
export function providerRuntime(
  name: string,
  p: JwtProviderConfig,
  clusters: ReadonlyMap<string, ClusterHandle> | undefined
): ProviderRuntime {
  let r = runtimes.get(p)
  if (!r || r.name !== name) {
    r = createProvider(name, p, clusters)
    runtimes.set(p, r)
  }
  return r
}
