/**
 * @module jwt_authn filter (Envoy `envoy.filters.http.jwt_authn`): verifies JWTs against per-provider keys,
 * enforces the route's requirement, sets `rc.identity`, and shapes the upstream request (token removed unless
 * `forward`, payload and claim headers set; client copies of those headers always removed).
 */
import { defineFilter, type FactoryContext, type RequestContext } from '../types.ts'
import { claimAt, claimHeaderValue, scopesOf, toPath } from './claims.ts'
import { JWT_AUTHN_ERRORS, type JwtAuthnConfig, jwtAuthnConfig } from './config.ts'
import { stripToken } from './extract.ts'
import { providerRuntime, type ProviderRuntime } from './provider.ts'
import { compileRequirement, evaluate, type Evaluation, type Grant, needsVerifyMemo, type Outcome } from './requirement.ts'
import type { Requirement } from './requirement-config.ts'
import { DENIED_STAT, denyReply, isForbidden, JWT_AUTHN_STATS, toRealm } from './reply.ts'
import type { DenyReason } from './token.ts'

/** What the request phase decided, in `rc.state.jwt_authn` (Envoy's dynamic metadata, in short). */
export interface JwtAuthnState {
  /** Providers whose token verified. */
  verified: string[]
  /** The denial reason, when the request was refused. */
  denied?: DenyReason
  /** Failures that `allow_missing_or_failed` let through. */
  tolerated: { provider: string; reason: DenyReason }[]
}

declare module '../../context.ts' {
  interface FilterStateMap {
    jwt_authn: JwtAuthnState
  }
}

interface ClaimHeader {
  header: string
  path: string[]
}

/** Applies a passing outcome: identity, payload and claim headers. */
function grant(rc: RequestContext, grants: readonly Grant[], claimHeaders: Map<ProviderRuntime, ClaimHeader[]>) {
  const identity = rc.identity
  for (const { provider, result } of grants) {
    const p = provider.config
    const claims: Record<string, Readonly<Record<string, unknown>>> = { ...identity.claims }
    claims[provider.name] = result.payload // a keyed store: a computed key in the literal is a runtime call
    identity.claims = claims
    if (identity.consumer === undefined && typeof result.payload.sub === 'string') identity.consumer = result.payload.sub
    const scopes = scopesOf(result.payload)
    if (scopes.length) identity.scopes = identity.scopes ? [...new Set([...identity.scopes, ...scopes])] : scopes.slice()
    if (p.forward_payload_header) rc.headers.set(p.forward_payload_header, result.payloadSegment)
    for (const h of claimHeaders.get(provider) ?? []) {
      const v = claimHeaderValue(claimAt(result.payload, h.path))
      if (v !== undefined) rc.headers.set(h.header, v)
    }
  }
}

/** Builds the filter for one config (an override arrives merged over the fields it inherits). */
function createJwtAuthn(config: JwtAuthnConfig, ctx: FactoryContext) {
  const where = `jwt_authn (${ctx.scope})`
  const providerConfigs = config.providers
  if (!providerConfigs || Object.keys(providerConfigs).length === 0)
    throw new Error(`${where}: no providers: define them in the http_filters entry's config`)
  const providers = new Map<string, ProviderRuntime>()
  for (const [name, p] of Object.entries(providerConfigs)) providers.set(name, providerRuntime(name, p, ctx.clusters))
  const names = [...providers.keys()]
  // Fail closed: without a requirement, some provider must verify a token (Envoy would require nothing).
  const fallback: Requirement = names.length === 1 ? { provider: names[0]! } : { requires_any: names.map((provider) => ({ provider })) }
  const root = compileRequirement(config.requires ?? fallback, providers, where)
  const memo = needsVerifyMemo(root)
  const realm = config.realm
  const all = [...providers.values()]
  const claimHeaders = new Map(
    all.map((p) => [p, p.config.claim_to_headers.map((c) => ({ header: c.header_name, path: toPath(c.claim_name) }))])
  )
  // Headers this filter owns upstream: never let a client supply them.
  const owned = [
    ...new Set(
      all.flatMap((p) => [
        ...(p.config.forward_payload_header ? [p.config.forward_payload_header] : []),
        ...p.config.claim_to_headers.map((c) => c.header_name),
      ])
    ),
  ]

  return {
    /** Synchronous when every token it verifies is in the verified-token cache: no microtask on the hot path. */
    onRequest: function jwtAuthn(rc: RequestContext): Response | undefined | Promise<Response | undefined> {
      for (const h of owned) rc.deleteHeader(h)
      const ev: Evaluation = {
        rc,
        ctx: { now: rc.startedAt, env: rc.env, waitUntil: rc.waitUntil, stats: rc.stats },
        providers: all,
        found: new Map(),
        verified: memo ? new Map() : undefined,
        tolerated: [],
      }
      const outcome = evaluate(ev, root)
      return outcome instanceof Promise ? outcome.then((o) => decide(rc, ev, o)) : decide(rc, ev, outcome)
    },
  }

  /** Applies the outcome: the token stripped unless forwarded, then the denial or the grant. */
  function decide(rc: RequestContext, ev: Evaluation, outcome: Outcome): Response | undefined {
    const state: JwtAuthnState = { verified: [], tolerated: ev.tolerated }
    rc.state.jwt_authn = state
    // Tokens that were found but not granted (failed, tolerated) still never reach the upstream unless forwarded.
    for (const [p, f] of ev.found) if (f.kind !== 'none' && !p.config.forward) stripToken(rc, f.at)
    if (!outcome.ok) {
      state.denied = outcome.reason
      rc.stats.counter(DENIED_STAT[outcome.reason])
      const scopes = isForbidden(outcome.reason) ? outcome.scopes : undefined
      return denyReply(outcome.reason, realm ?? toRealm(rc.url.hostname), rc.requestId, scopes)
    }
    grant(rc, outcome.grants, claimHeaders)
    state.verified = outcome.grants.map((g) => g.provider.name)
    rc.stats.counter('jwt_authn.allowed')
    return undefined
  }
}

/**
 * The `jwt_authn` filter. Answers locally: 401 `ERR_JWT_MISSING` / `ERR_JWT_INVALID` and 403
 * `ERR_JWT_FORBIDDEN` (flag `UAEX`), with `WWW-Authenticate`.
 * @example http_filters: [{ name: jwt_authn, config: { providers: { auth: { issuer: 'https://id.example',
 *   remote_jwks: { uri: 'https://id.example/.well-known/jwks.json' } } } } }]
 */
export const jwtAuthnFilter = defineFilter({
  name: 'jwt_authn',
  status: 'alpha',
  description: 'JWT authentication: providers with remote or local JWKS, per-route requirements (Envoy jwt_authn)',
  configSchema: jwtAuthnConfig,
  errors: JWT_AUTHN_ERRORS,
  stats: JWT_AUTHN_STATS,
  create(config, ctx) {
    return createJwtAuthn(config, ctx)
  },
})
