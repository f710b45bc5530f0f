/**
 * @module Secret redaction for `/config_dump` (Envoy redacts secrets too). A field is replaced by "[redacted]"
 * when its name says it holds a secret (secret, password, credential, hmac, private, …token, …key, keys), and a
 * name/value pair (header mutation, header matcher) has its value redacted when the name is a credential
 * header (authorization, cookie, x-api-key, anything with token/secret/key/password).
 */
import { isObject } from '../lib/is-object.ts'

export const REDACTED = '[redacted]'

const SECRET_FIELD = /(secret|password|passwd|credential|hmac|private)|(key|keys|token)$/i
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|password|api-?key|(^|-)key$/i
/** In a `{ key, value }` pair, `key` names a header or parameter; the value is what may be secret. */
const PAIR_VALUE_FIELDS = ['value', 'exact', 'prefix', 'suffix', 'contains', 'regex']


/** A deep copy of `value` with secrets replaced by "[redacted]". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets)
  if (!isObject(value)) return value
  const isPair = typeof value.key === 'string' && 'value' in value
  const pairName = typeof value.name === 'string' ? value.name : isPair ? (value.key as string) : undefined
  const sensitivePair = pairName !== undefined && SECRET_HEADER.test(pairName)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (isPair && k === 'key') out[k] = v
    else if (sensitivePair && PAIR_VALUE_FIELDS.includes(k)) out[k] = REDACTED
    else if (SECRET_FIELD.test(k) && v !== null && v !== undefined && typeof v !== 'boolean') out[k] = REDACTED
    else out[k] = redactSecrets(v)
  }
  return out
}
