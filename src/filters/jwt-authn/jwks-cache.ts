/**
 * @module jwt_authn key sources. A remote JWKS is fetched on first use (concurrent first requests share one
 * fetch; after a failure, retried every `failed_refetch_duration`), refreshed in the background once older than
 * `cache_duration`, and refetched for an unknown `kid` at most once per `refetch_cooldown`, so forged kids
 * cannot make the gateway hammer the JWKS endpoint. A failed refresh keeps the cached keys (retried every
 * `refetch_cooldown`); an older response never replaces a newer one (one fetch in flight at a time).
 */
import type { Env } from '../../env.ts'
import { readCapped } from '../../http/body.ts'
import type { Stats } from '../../observability/stats.ts'
import { type Algorithm, parseJwks, type VerificationKey } from './keys.ts'

/** What a key source needs from the request that uses it. */
export interface SourceContext {
  /** Milliseconds since the epoch (the request's start: the injected clock). */
  readonly now: number
  readonly env: Env
  readonly waitUntil: (p: Promise<unknown>) => void
  readonly stats: Stats
}

/** The keys of one provider at one moment. `generation` changes whenever the keys do. */
export interface KeySet {
  readonly byKid: ReadonlyMap<string, readonly VerificationKey[]>
  /** Configured secrets (`anyKid`): candidates for any token. A kid-less JWKS key is not one of them. */
  readonly anyKid: readonly VerificationKey[]
  readonly all: readonly VerificationKey[]
  readonly generation: number
}

export interface KeySource {
  /** Generation of the keys held now (0: none yet), without fetching: the token cache checks it. */
  readonly generation: number
  /** Keys to verify with now; undefined when none could be obtained. */
  current(ctx: SourceContext): Promise<KeySet | undefined>
  /** Starts a background refresh when the keys are stale; never waits (token cache hits call it). */
  maintain(ctx: SourceContext): void
  /** Called for a `kid` the current set lacks; a static source returns its set unchanged. */
  refetch(ctx: SourceContext): Promise<KeySet | undefined>
}

/**
 * Keys that may verify a token with this `kid` and `alg`, selected as jose's `createLocalJWKSet` does: a token
 * with a `kid` only by JWKS keys with that exact `kid`, a token without one by every key. A kid-less key that
 * matched every token would hide a rotated-in kid and so stop the unknown-kid refetch (issue 12 §5). Envoy
 * differs: its kid-less keys match any token. An HMAC secret (`anyKid`) has no kid and matches any token.
 */
export function candidates(set: KeySet, kid: string | undefined, alg: Algorithm): VerificationKey[] {
  const pool = kid === undefined ? set.all : [...(set.byKid.get(kid) ?? []), ...set.anyKid]
  return pool.filter((k) => k.algorithms.has(alg))
}

/** Builds a key set; `generation` must change when the keys do (token cache entries are tied to it). */
export function toKeySet(keys: readonly VerificationKey[], generation: number): KeySet {
  const byKid = new Map<string, VerificationKey[]>()
  const anyKid: VerificationKey[] = []
  for (const k of keys) {
    if (k.anyKid) anyKid.push(k)
    else if (k.kid !== undefined) byKid.set(k.kid, [...(byKid.get(k.kid) ?? []), k])
  }
  return { byKid, anyKid, all: keys, generation }
}

/** A fixed set (local_jwks, a static secret). */
export function createStaticSource(set: KeySet): KeySource {
  const p = Promise.resolve(set)
  return { generation: set.generation, current: () => p, refetch: () => p, maintain() {} }
}

/** Fetches the JWKS document (through a URL or a cluster endpoint), with the timeout signal. */
export type JwksFetch = (env: Env, signal: AbortSignal) => Promise<Response>

export interface RemoteOptions {
  /** For log lines: provider name and where from. */
  label: string
  fetch: JwksFetch
  allowed: ReadonlySet<Algorithm>
  timeoutMs: number
  cacheMs: number
  cooldownMs: number
  failedRefetchMs: number
}

/** Largest JWKS document accepted. */
export const MAX_JWKS_BYTES = 256 * 1024

async function readLimited(res: Response, limit: number): Promise<string> {
  const bytes = await readCapped(res.body, limit)
  if (!bytes) throw new Error(`larger than ${limit} bytes`)
  return new TextDecoder().decode(bytes)
}

/** A remote JWKS with caching, background refresh and a refetch cooldown (see the module doc). */
export function createRemoteSource(o: RemoteOptions): KeySource {
  let set: KeySet | undefined
  let text: string | undefined
  let generation = 0
  let fetchedAt = -Infinity
  let attemptedAt = -Infinity
  let inFlight: Promise<void> | undefined

  async function load(ctx: SourceContext): Promise<void> {
    attemptedAt = ctx.now
    try {
      const res = await o.fetch(ctx.env, AbortSignal.timeout(o.timeoutMs))
      if (res.status !== 200) {
        await res.body?.cancel()
        throw new Error(`HTTP ${res.status}`)
      }
      const body = await readLimited(res, MAX_JWKS_BYTES)
      if (body !== text || !set) {
        const parsed = parseJwks(JSON.parse(body), o.allowed)
        if (!parsed.ok) throw new Error(parsed.error)
        set = toKeySet(parsed.keys, ++generation)
        text = body
      }
      fetchedAt = ctx.now
      ctx.stats.counter('jwt_authn.jwks_fetch.success')
    } catch (e) {
      ctx.stats.counter('jwt_authn.jwks_fetch.failure')
      const error = (e as Error)?.message ?? String(e)
      console.warn(JSON.stringify({ level: 'warn', msg: 'jwt_authn: JWKS fetch failed', source: o.label, error, serving_cached_keys: !!set }))
    }
  }

  function start(ctx: SourceContext): Promise<void> {
    inFlight ??= load(ctx).finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  function maintain(ctx: SourceContext) {
    // After a failed refresh the cached keys stay in use; retry at the refetch cooldown, not every second.
    if (set && !inFlight && ctx.now - fetchedAt >= o.cacheMs && ctx.now - attemptedAt >= o.cooldownMs) ctx.waitUntil(start(ctx))
  }

  return {
    get generation() {
      return generation
    },
    async current(ctx) {
      if (!set) {
        if (inFlight) await inFlight
        else if (ctx.now - attemptedAt >= o.failedRefetchMs) await start(ctx)
        return set
      }
      maintain(ctx)
      return set
    },
    maintain,
    async refetch(ctx) {
      if (inFlight) await inFlight
      else if (ctx.now - attemptedAt >= o.cooldownMs) await start(ctx)
      else ctx.stats.counter('jwt_authn.jwks_refetch.suppressed')
      return set
    },
  }
}
