/** @module api_key filter: authenticates a request by an API key stored (hashed) in KV; sets rc.identity. */
import { problem } from '../../http/problem.ts'
import { hashApiKey, isWellFormedKey } from '../../lib/api-keys.ts'
import { defineFilter, type RequestContext } from '../types.ts'
import { lookupKey } from './cache.ts'
import { API_KEY_ERRORS, API_KEY_STATS, apiKeyConfig, resolveApiKeyConfig, type ApiKeyConfig } from './config.ts'
import { takeQueryParam } from './query.ts'

type Stat = keyof typeof API_KEY_STATS extends `api_key.${infer S}` ? S : never

/** What happened to one request, in `rc.state.api_key`. */
export interface ApiKeyState {
  outcome: Stat
  /** The consumer, once the key was found. */
  consumer?: string
}

declare module '../../context.ts' {
  interface FilterStateMap {
    api_key: ApiKeyState
  }
}

const REALM = 'ApiKey realm="legate"'

/**
 * The `api_key` filter. Answers locally when the key is missing or malformed (401 `ERR_API_KEY_MISSING` /
 * `ERR_API_KEY_INVALID`), unknown, revoked or expired (401 `ERR_API_KEY_INVALID`), lacks a required scope (403
 * `ERR_API_KEY_FORBIDDEN`), or KV cannot be read (503 `ERR_API_KEY_UNAVAILABLE`, fail closed). All carry flag
 * `UAEX`. On success the key is removed from the upstream request, `rc.identity.consumer`/`scopes` are set and
 * the consumer and scopes headers replace any client copies.
 * @example http_filters: [{ name: api_key, config: { header: x-api-key, cache_ttl: 30s } }]
 */
export const apiKeyFilter = defineFilter({
  name: 'api_key',
  status: 'alpha',
  description: 'Authenticates requests by API key (SHA-256 hashed in KV), forwards consumer and scopes upstream',
  configSchema: apiKeyConfig,
  errors: API_KEY_ERRORS,
  stats: API_KEY_STATS,
  create(input, ctx) {
    const config = resolveApiKeyConfig(input)
    const header = config.header.toLowerCase()
    const param = config.query_param
    const required = config.required_scopes
    const lookupOptions = { ttlMs: config.cache_ttl, negativeTtlMs: config.negative_cache_ttl }

    const deny = (rc: RequestContext, outcome: Stat, code: keyof typeof API_KEY_ERRORS, detail: string) => {
      rc.stats.counter(`api_key.${outcome}`)
      rc.state.api_key = { outcome } satisfies ApiKeyState
      const headers = code === 'ERR_API_KEY_FORBIDDEN' || code === 'ERR_API_KEY_UNAVAILABLE' ? undefined : { 'www-authenticate': REALM }
      return problem({ code, detail, requestId: rc.requestId, headers }, API_KEY_ERRORS)
    }

    return {
      onRequest: async function apiKey(rc) {
        // The key never reaches the upstream, whatever the outcome.
        let key = rc.headers.get(header)
        rc.headers.delete(header)
        const fromQuery = param === undefined ? [] : takeQueryParam(rc.url, param)
        // The consumer/scopes headers are ours: a client copy must not survive (the names may not be x-legate-*).
        rc.headers.delete(config.consumer_header)
        rc.headers.delete(config.scopes_header)
        if (key === null && fromQuery.length > 1)
          return deny(rc, 'denied.malformed', 'ERR_API_KEY_INVALID', `the query parameter "${param}" is sent more than once.`)
        key ??= fromQuery[0] ?? null
        if (key === null || key === '')
          return deny(rc, 'denied.missing', 'ERR_API_KEY_MISSING', `send an API key in the ${config.header} header${param ? ` or the "${param}" query parameter` : ''}.`)
        if (!isWellFormedKey(key))
          return deny(rc, 'denied.malformed', 'ERR_API_KEY_INVALID', 'the API key is malformed (sent twice, or not 1-256 visible characters).')

        const now = rc.startedAt
        const { lookup, cached } = await lookupKey(rc.env.CONFIG, await hashApiKey(key), { now, ...lookupOptions })
        rc.stats.counter(cached ? 'api_key.cache.hit' : 'api_key.cache.miss')
        if (lookup.kind === 'error') {
          console.error(JSON.stringify({ level: 'error', msg: 'api_key: KV lookup failed', request_id: rc.requestId, error: lookup.message }))
          return deny(rc, 'error', 'ERR_API_KEY_UNAVAILABLE', 'API keys cannot be checked right now; retry shortly.')
        }
        if (lookup.kind === 'bad_record') {
          console.warn(JSON.stringify({ level: 'warn', msg: 'api_key: stored record is not a valid API key record', request_id: rc.requestId }))
          return deny(rc, 'denied.unknown', 'ERR_API_KEY_INVALID', 'the API key is not valid.')
        }
        if (lookup.kind === 'unknown') return deny(rc, 'denied.unknown', 'ERR_API_KEY_INVALID', 'the API key is not valid.')
        const k = lookup.key
        if (!k.enabled) return deny(rc, 'denied.disabled', 'ERR_API_KEY_INVALID', 'the API key has been revoked.')
        if (k.expiresAt !== undefined && now >= k.expiresAt)
          return deny(rc, 'denied.expired', 'ERR_API_KEY_INVALID', 'the API key has expired.')
        const missing = required.filter((s) => !k.scopes.includes(s))
        if (missing.length)
          return deny(rc, 'denied.scope', 'ERR_API_KEY_FORBIDDEN', `the API key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')} required by this route.`)

        rc.identity.consumer = k.consumer
        rc.identity.scopes = [...k.scopes]
        rc.headers.set(config.consumer_header, k.consumer)
        if (k.scopesValue) rc.headers.set(config.scopes_header, k.scopesValue)
        rc.stats.counter('api_key.allowed')
        rc.state.api_key = { outcome: 'allowed', consumer: k.consumer } satisfies ApiKeyState
      },
    }
  },
})
