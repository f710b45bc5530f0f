/** @module api_key filter config: where the key is, how long lookups are cached, what goes upstream. */
import * as z from 'zod'
import { duration, headerName } from '../../config/primitives.ts'
import { INTERNAL_HEADER_PREFIXES } from '../../http/headers.ts'
import { scopeName } from '../../lib/api-keys.ts'
import { declareStats } from '../types.ts'

/** `denied.*` carry the reason. */
export const API_KEY_STATS = declareStats('api_key', {
  allowed: 'requests with a valid key that has the required scopes',
  'denied.missing': 'requests without a key (401 ERR_API_KEY_MISSING)',
  'denied.malformed': 'keys sent twice or not 1-256 visible characters (401 ERR_API_KEY_INVALID)',
  'denied.unknown': 'keys not in KV (401 ERR_API_KEY_INVALID)',
  'denied.disabled': 'revoked keys (401 ERR_API_KEY_INVALID)',
  'denied.expired': 'expired keys (401 ERR_API_KEY_INVALID)',
  'denied.scope': 'keys without a required scope (403 ERR_API_KEY_FORBIDDEN)',
  error: 'KV could not be read (503 ERR_API_KEY_UNAVAILABLE, fail closed)',
  'cache.hit': 'lookups answered from the isolate cache',
  'cache.miss': 'lookups that read KV',
})

export const API_KEY_ERRORS = {
  ERR_API_KEY_MISSING: { status: 401, flag: 'UAEX', title: 'No API key in the request' },
  ERR_API_KEY_INVALID: { status: 401, flag: 'UAEX', title: 'The API key is unknown, revoked or expired' },
  ERR_API_KEY_FORBIDDEN: { status: 403, flag: 'UAEX', title: 'The API key lacks a scope this route requires' },
  ERR_API_KEY_UNAVAILABLE: { status: 503, flag: 'UAEX', title: 'API keys cannot be checked right now' },
} as const

/** Longest cache TTL: the revocation bound stays short. */
const MAX_TTL_MS = 300_000

const ttl = (what: string) => duration.refine((ms) => ms <= MAX_TTL_MS, `${what} is at most 5m (it bounds how long a revoked key keeps working)`)

/** Ingress sanitizing removes client copies of these prefixes, so a key sent there would never be seen. */
const notInternal = headerName.refine(
  (n) => !INTERNAL_HEADER_PREFIXES.some((p) => n.toLowerCase().startsWith(p)),
  `the gateway strips client headers starting with ${INTERNAL_HEADER_PREFIXES.join(', ')}; pick another name`
)

/**
 * `api_key` config. Keys are looked up in the CONFIG KV namespace as `apikey/<sha256 hex>` (written by
 * `legate keys create`). A virtual-host or route override inherits every field it omits from the `http_filters`
 * entry (then the defaults below), so `{ required_scopes: [admin] }` keeps a custom header or consumer header:
 * an override that silently reverted `consumer_header` would let a client's copy of the old name through.
 */
export const apiKeyConfig = z.strictObject({
  /** Request header carrying the key. Removed before the upstream. @default 'x-api-key' */
  header: notInternal.optional(),
  /**
   * Query parameter also accepted as the key (the header wins when both are sent). Removed from the upstream
   * query. @default unset: the query is not consulted (keys in URLs end up in logs)
   */
  query_param: z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/, 'query parameter names use 1-64 letters, digits and "._~-"').optional(),
  /**
   * How long a found key's record is reused in the isolate. This is the revocation bound inside an isolate; KV
   * itself may serve a changed record up to 60 s late in other locations. Max 5m; `0s` looks up every request.
   * @default '30s'
   */
  cache_ttl: ttl('cache_ttl').optional(),
  /** How long an unknown key is remembered as unknown (bounded: at most 1,000 entries). Max 5m. @default '5s' */
  negative_cache_ttl: ttl('negative_cache_ttl').optional(),
  /** Upstream header set to the key's consumer. A client's copy is always replaced. @default 'x-legate-consumer' */
  consumer_header: headerName.optional(),
  /** Upstream header set to the key's scopes, comma-separated (removed when none). @default 'x-legate-scopes' */
  scopes_header: headerName.optional(),
  /** Scopes the key must all have, else 403 (set per route with `filters: { api_key: {…} }`). @default [] */
  required_scopes: z.array(scopeName).max(64).optional(),
})

/** Parsed `api_key` config (fields the user omitted are undefined). */
export type ApiKeyConfig = z.output<typeof apiKeyConfig>

/** The defaults, documented field by field above. */
export const API_KEY_DEFAULTS = {
  header: 'x-api-key',
  query_param: undefined,
  cache_ttl: 30_000,
  negative_cache_ttl: 5_000,
  consumer_header: 'x-legate-consumer',
  scopes_header: 'x-legate-scopes',
  required_scopes: [],
} as const satisfies ApiKeyConfig

/** Every field resolved: the config's own, else the default. */
export type ResolvedApiKeyConfig = Required<Omit<ApiKeyConfig, 'query_param'>> & Pick<ApiKeyConfig, 'query_param'>

/** Every field: the config's own (an override arrives merged over what it inherits), else the default. */
export function resolveApiKeyConfig(config: ApiKeyConfig): ResolvedApiKeyConfig {
  const c = { ...API_KEY_DEFAULTS, ...defined(config) }
  return { ...c, required_scopes: [...c.required_scopes] }
}

function defined(c: ApiKeyConfig | undefined): Partial<ApiKeyConfig> {
  return c ? Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) : {}
}
