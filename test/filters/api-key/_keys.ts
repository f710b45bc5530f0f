/** @module Test helpers for api_key: store keys in the real KV (miniflare) exactly as `legate keys create` does. */
import { env } from 'cloudflare:workers'
import type { RequestContext } from '../../../src/filters/types.ts'
import { type ApiKeyRecord, apiKeyStorageKey, generateApiKey, hashApiKey } from '../../../src/lib/api-keys.ts'
import type { StatsStore } from '../../../src/observability/stats.ts'
import { STARTED_AT } from '../_context.ts'

const kv = () => (env as unknown as { CONFIG: KVNamespace }).CONFIG

/** Writes a record for `key` (a fresh generated key by default) and returns the plaintext key. */
export async function storeKey(record: Partial<ApiKeyRecord> = {}, key = generateApiKey()): Promise<string> {
  await putRecord(key, {
    consumer: 'acme',
    scopes: ['orders:read'],
    enabled: true,
    created_at: new Date(STARTED_AT - 86_400_000).toISOString(),
    prefix: key.slice(0, 12),
    ...record,
  })
  return key
}

/** Overwrites the stored value for `key` with anything (a record, or junk to test malformed records). */
export async function putRecord(key: string, value: unknown): Promise<void> {
  await kv().put(apiKeyStorageKey(await hashApiKey(key)), typeof value === 'string' ? value : JSON.stringify(value))
}

/** Counter values recorded on this request context (names without a value are 0). */
export function counters(rc: RequestContext): (name: string) => number {
  const map = (rc.stats as StatsStore).counters
  return (name) => map.get(name) ?? 0
}
