/**
 * @module jwt_authn requirements: compiled once into a tree, evaluated per request (Envoy `JwtRequirement`).
 * Grants (verified tokens) are returned, not recorded, so a branch that fails leaves no identity behind.
 */
import { FilterConfigError, type RequestContext } from '../types.ts'
import { type ClaimCheck, claimHolds, scopesOf, toPath } from './claims.ts'
import { findToken, type Found, type Location } from './extract.ts'
import type { SourceContext } from './jwks-cache.ts'
import type { ProviderRuntime, VerifyResult } from './provider.ts'
import type { Requirement } from './requirement-config.ts'
import { peekIssuer, type DenyReason } from './token.ts'

type Verified = Extract<VerifyResult, { ok: true }>
/** A token that verified for a provider, and where it was found. */
export interface Grant {
  provider: ProviderRuntime
  result: Verified
  at: readonly Location[]
}
export type Outcome = { ok: true; grants: Grant[] } | { ok: false; reason: DenyReason; scopes?: readonly string[] }

type Node =
  | { kind: 'provider'; provider: ProviderRuntime; audiences: readonly string[] | undefined; scopes: readonly string[]; claims: ClaimCheck[] }
  | { kind: 'any' | 'all'; children: Node[] }
  | { kind: 'allow_missing' | 'allow_missing_or_failed' }

/** Compiles a requirement; throws when it names a provider that is not defined (a config error). */
export function compileRequirement(r: Requirement, providers: ReadonlyMap<string, ProviderRuntime>, where: string): Node {
  if (r.provider !== undefined) {
    const provider = providers.get(r.provider)
    if (!provider) {
      const known = [...providers.keys()].join(', ')
      throw new FilterConfigError(`${where}: requires names provider "${r.provider}", which is not defined (known: ${known})`, r, 'provider')
    }
    const claims = (r.claims ?? []).map((c) => ({ path: toPath(c.name), values: c.values && new Set(c.values) }))
    return { kind: 'provider', provider, audiences: r.audiences ?? provider.config.audiences, scopes: r.scopes ?? [], claims }
  }
  if (r.requires_any) return { kind: 'any', children: r.requires_any.map((c) => compileRequirement(c, providers, where)) }
  if (r.requires_all) return { kind: 'all', children: r.requires_all.map((c) => compileRequirement(c, providers, where)) }
  return { kind: r.allow_missing ? 'allow_missing' : 'allow_missing_or_failed' }
}

/** Per-request memo: each provider extracts once, each (provider, audiences, token) verifies once. */
export interface Evaluation {
  readonly rc: RequestContext
  readonly ctx: SourceContext
  readonly providers: readonly ProviderRuntime[]
  readonly found: Map<ProviderRuntime, Found>
  /** Absent when the requirement is one provider ({@link needsVerifyMemo}): it verifies once anyway. */
  readonly verified: Map<string, VerifyResult | Promise<VerifyResult>> | undefined
  /** Failures that allow_missing_or_failed let through, for `rc.state`. */
  readonly tolerated: { provider: string; reason: DenyReason }[]
}

/** Audience lists are compile-time arrays: their identity keys the verification memo. */
const AUDIENCE_IDS = new WeakMap<readonly string[], number>()
let nextAudienceId = 1
const audienceId = (a: readonly string[] | undefined) => {
  if (!a) return 0
  let id = AUDIENCE_IDS.get(a)
  if (id === undefined) AUDIENCE_IDS.set(a, (id = nextAudienceId++))
  return id
}

function find(ev: Evaluation, p: ProviderRuntime): Found {
  let f = ev.found.get(p)
  if (!f) ev.found.set(p, (f = findToken(ev.rc, p.locations, p.config.max_token_size, p.wellFormed)))
  return f
}

/** Whether evaluating `n` may verify one token more than once (trees of requirements); a lone provider does not. */
export const needsVerifyMemo = (n: Node): boolean => n.kind !== 'provider'

function verify(ev: Evaluation, p: ProviderRuntime, token: string, audiences: readonly string[] | undefined) {
  if (!ev.verified) return p.verify(token, audiences, ev.ctx)
  const key = `${p.name}\0${audienceId(audiences)}\0${token}`
  let r = ev.verified.get(key)
  if (!r) ev.verified.set(key, (r = p.verify(token, audiences, ev.ctx)))
  return r
}

const RANK: Partial<Record<DenyReason, number>> = { missing: 0, audience: 2, scope: 2, claim: 2 }
const rank = (o: Outcome) => (o.ok ? 3 : (RANK[o.reason] ?? 1))

/** Synchronous when the token's verification is (a verified-token cache hit). */
function evaluateProvider(ev: Evaluation, n: Extract<Node, { kind: 'provider' }>): Outcome | Promise<Outcome> {
  const f = find(ev, n.provider)
  if (f.kind === 'none') return { ok: false, reason: 'missing' }
  if (f.kind === 'bad') return { ok: false, reason: f.reason }
  const r = verify(ev, n.provider, f.token, n.audiences)
  return r instanceof Promise ? r.then((v) => judge(n, v, f.at)) : judge(n, r, f.at)
}

/** A verified token against the node's scopes and claims. */
function judge(n: Extract<Node, { kind: 'provider' }>, r: VerifyResult, at: readonly Location[]): Outcome {
  if (!r.ok) return r
  if (n.scopes.length) {
    const granted = new Set(scopesOf(r.payload))
    if (!n.scopes.every((s) => granted.has(s))) return { ok: false, reason: 'scope', scopes: n.scopes }
  }
  if (!n.claims.every((c) => claimHolds(r.payload, c))) return { ok: false, reason: 'claim' }
  return { ok: true, grants: [{ provider: n.provider, result: r, at }] }
}

/**
 * allow_missing (strict) and allow_missing_or_failed: every token present, at any provider's location, must
 * verify (strict) or may fail (lenient). A location shared by several providers belongs to the providers whose
 * `issuer` matches the token's (unverified) `iss`, as in Envoy.
 */
async function evaluatePresent(ev: Evaluation, strict: boolean): Promise<Outcome> {
  const owners = new Map<string, { providers: ProviderRuntime[]; at: readonly Location[] }>()
  for (const p of ev.providers) {
    const f = find(ev, p)
    if (f.kind === 'none') continue
    if (f.kind === 'bad') {
      if (strict) return { ok: false, reason: f.reason }
      ev.tolerated.push({ provider: p.name, reason: f.reason })
      continue
    }
    const entry = owners.get(f.token) ?? { providers: [], at: f.at }
    entry.providers.push(p)
    owners.set(f.token, entry)
  }
  const grants: Grant[] = []
  for (const [token, { providers, at }] of owners) {
    const iss = peekIssuer(token)
    const mine = providers.filter((p) => p.config.issuer === undefined || p.config.issuer === iss)
    let failure: DenyReason = 'issuer'
    let granted = false
    for (const p of mine) {
      const r = await verify(ev, p, token, p.config.audiences)
      if (r.ok) {
        grants.push({ provider: p, result: r, at })
        granted = true
        break
      }
      failure = r.reason
    }
    if (granted) continue
    if (strict) return { ok: false, reason: failure }
    ev.tolerated.push({ provider: (mine[0] ?? providers[0]!).name, reason: failure })
  }
  return { ok: true, grants }
}

/**
 * Evaluates a compiled requirement; a single provider whose token is in the verified-token cache answers
 * synchronously. For requires_any, the most specific failure is reported (403 > 401 > missing).
 */
export function evaluate(ev: Evaluation, n: Node): Outcome | Promise<Outcome> {
  return n.kind === 'provider' ? evaluateProvider(ev, n) : evaluateTree(ev, n)
}

async function evaluateTree(ev: Evaluation, n: Exclude<Node, { kind: 'provider' }>): Promise<Outcome> {
  switch (n.kind) {
    case 'allow_missing':
    case 'allow_missing_or_failed':
      return evaluatePresent(ev, n.kind === 'allow_missing')
    case 'all': {
      const grants: Grant[] = []
      for (const c of n.children) {
        const o = await evaluate(ev, c)
        if (!o.ok) return o
        grants.push(...o.grants)
      }
      return { ok: true, grants }
    }
    case 'any': {
      let worst: Outcome | undefined
      for (const c of n.children) {
        const o = await evaluate(ev, c)
        if (o.ok) return o
        if (!worst || rank(o) > rank(worst)) worst = o
      }
      return worst!
    }
  }
}
