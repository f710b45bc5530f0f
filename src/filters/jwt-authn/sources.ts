/** @module jwt_authn: builds a provider's key source from its config (remote JWKS, local JWKS, HMAC secret). */
import type { Env } from '../../env.ts'
import type { ClusterHandle } from '../../upstream/isolate/cluster.ts'
import { FilterConfigError } from '../types.ts'
import type { JwtProviderConfig } from './config.ts'
import { createRemoteSource, createStaticSource, type JwksFetch, type KeySet, type KeySource, toKeySet } from './jwks-cache.ts'
import { type Algorithm, createHmacKey, minSecretBytes, parseJwks, secretBytes } from './keys.ts'

const ACCEPT = { accept: 'application/jwk-set+json, application/json' }

/** JWKS requests never follow redirects: a redirect is a failed fetch (no surprise hosts, no SSRF pivot). */
function jwksFetch(
  remote: NonNullable<JwtProviderConfig['remote_jwks']>,
  clusters: ReadonlyMap<string, ClusterHandle> | undefined,
  where: string
): { fetch: JwksFetch; label: string } {
  if (remote.uri !== undefined) {
    const uri = remote.uri
    return { label: uri, fetch: (_env, signal) => fetch(uri, { headers: ACCEPT, signal, redirect: 'manual' }) }
  }
  const cluster = clusters?.get(remote.cluster!)
  if (!cluster) throw new FilterConfigError(`${where}: remote_jwks.cluster "${remote.cluster}" is not a cluster of this config`, remote, 'cluster')
  const endpoint = cluster.endpoints[0]!
  const path = remote.path!
  const label = `cluster ${cluster.name}${path}`
  if (endpoint.kind === 'url') {
    const url = `${endpoint.origin}${path}`
    return { label, fetch: (_env, signal) => fetch(url, { headers: ACCEPT, signal, redirect: 'manual' }) }
  }
  const { binding } = endpoint
  const url = `https://${cluster.name}.internal${path}`
  return {
    label,
    fetch(env, signal) {
      const service = (env as unknown as Record<string, Fetcher | undefined>)[binding]
      if (!service || typeof service.fetch !== 'function') return Promise.reject(new Error(`service binding ${binding} is not bound`))
      return service.fetch(url, { headers: ACCEPT, signal, redirect: 'manual' })
    },
  }
}

/** An HMAC secret read from a Worker secret binding, re-imported only when its value changes. */
function envSecretSource(name: string, encoding: 'utf8' | 'base64url', algorithms: Set<Algorithm>, where: string): KeySource {
  const min = minSecretBytes(algorithms)
  let last: { value: string; set: KeySet } | undefined
  let generation = 0
  let warned = false
  const get = async (ctx: { env: Env }) => {
    const value = (ctx.env as unknown as Record<string, unknown>)[name]
    if (typeof value === 'string' && last?.value === value) return last.set
    const bytes = typeof value === 'string' ? secretBytes(value, encoding) : undefined
    if (!bytes || bytes.length < min) {
      const msg = `jwt_authn: ${where}: secret ${name} is unset, not ${encoding}, or shorter than ${min} bytes`
      if (!warned) console.warn(JSON.stringify({ level: 'warn', msg }))
      warned = true
      return undefined
    }
    last = { value: value as string, set: toKeySet([createHmacKey(bytes, algorithms)], ++generation) }
    return last.set
  }
  return {
    get generation() {
      return generation
    },
    current: get,
    refetch: get,
    maintain() {},
  }
}

/**
 * The key source for one provider. Throws (at compile time) when the config refers to something this version
 * does not have, such as an unknown cluster.
 * @param where - "provider <name>", for messages.
 */
export function createKeySource(
  p: JwtProviderConfig,
  algorithms: Set<Algorithm>,
  clusters: ReadonlyMap<string, ClusterHandle> | undefined,
  where: string
): KeySource {
  if (p.remote_jwks) {
    const r = p.remote_jwks
    const { fetch, label } = jwksFetch(r, clusters, where)
    return createRemoteSource({
      label: `${where}: ${label}`,
      fetch,
      allowed: algorithms,
      timeoutMs: r.timeout,
      cacheMs: r.cache_duration,
      cooldownMs: r.refetch_cooldown,
      failedRefetchMs: r.failed_refetch_duration,
    })
  }
  if (p.local_jwks) {
    const parsed = parseJwks(p.local_jwks, algorithms)
    if (!parsed.ok) throw new Error(`${where}: local_jwks: ${parsed.error}`)
    return createStaticSource(toKeySet(parsed.keys, 1))
  }
  const s = p.hmac_secret!
  if (s.env !== undefined) return envSecretSource(s.env, s.encoding, algorithms, where)
  return createStaticSource(toKeySet([createHmacKey(secretBytes(s.inline!, s.encoding)!, algorithms)], 1))
}
