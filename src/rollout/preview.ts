/**
 * @module Preview: a request carrying `x-legate-config-version: N` and a valid `x-legate-preview-token` is served
 * by version N, whatever the rollout. The token is the admin token, or a short-lived one the admin API signs
 * (`POST /__legate/rollout/preview`, `legate rollout preview`): `v1.<version>.<expires ms>.<HMAC-SHA256>` keyed by
 * the admin token, so it names one version, expires, and is void once the admin token is rotated.
 */
import { safeEqual } from '../lib/safe-equal.ts'

export const PREVIEW_VERSION_HEADER = 'x-legate-config-version'
export const PREVIEW_TOKEN_HEADER = 'x-legate-preview-token'

/** Default and largest lifetime of a signed preview token. */
export const PREVIEW_TTL_MS = 3_600_000
export const PREVIEW_MAX_TTL_MS = 24 * 3_600_000

const enc = new TextEncoder()
const toHex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')

async function mac(adminToken: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', enc.encode(adminToken), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return toHex(await crypto.subtle.sign('HMAC', key, enc.encode(payload)))
}

/** A token for `version`, valid until `expiresAt` (ms since the epoch). */
export async function signPreviewToken(adminToken: string, version: number, expiresAt: number): Promise<string> {
  const payload = `v1.${version}.${expiresAt}`
  return `${payload}.${await mac(adminToken, payload)}`
}

/** Why a preview is refused, or undefined when `token` lets its bearer see `version` now. */
export async function checkPreview(adminToken: string | undefined, token: string | null, version: number, now: number): Promise<string | undefined> {
  if (!adminToken) return 'previews are off: the gateway has no ADMIN_TOKEN.'
  if (!token) return `send ${PREVIEW_TOKEN_HEADER} (from \`legate rollout preview ${version}\`) with ${PREVIEW_VERSION_HEADER}.`
  if (safeEqual(token, adminToken)) return undefined
  const m = /^v1\.(\d+)\.(\d+)\.([0-9a-f]{64})$/.exec(token)
  if (!m || !safeEqual(m[3]!, await mac(adminToken, `v1.${m[1]}.${m[2]}`))) return 'the preview token is not valid (a new admin token voids older ones).'
  if (Number(m[1]) !== version) return `the preview token is for version ${m[1]}, not ${version}.`
  if (Number(m[2]) <= now) return 'the preview token has expired; ask for a new one.'
  return undefined
}
