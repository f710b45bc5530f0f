/**
 * @module Who is asking: the trusted client address (Envoy `use_remote_address` + `xff_num_trusted_hops`, with
 * `CF-Connecting-IP` as the socket peer) and the request id (Envoy `generate_request_id`,
 * `preserve_external_request_id`).
 */

/**
 * The peer address used when `CF-Connecting-IP` is absent. Cloudflare always sets that header in production, so
 * this only happens in local development and tests (workerd / `wrangler dev`).
 */
export const LOCAL_PEER_ADDRESS = '127.0.0.1'

/** Longest incoming `X-Request-Id` that is kept when `preserve_external_request_id` is on. */
export const MAX_REQUEST_ID_LENGTH = 128

/** Characters of an IP literal: IPv4 dotted quad, IPv6 (hex, `:`, embedded IPv4). */
const IP_CHAR = new Uint8Array(128)
for (const c of '0123456789abcdefABCDEF.:') IP_CHAR[c.charCodeAt(0)] = 1

/**
 * The address of whoever connected to the gateway: `CF-Connecting-IP` (set by Cloudflare; a client cannot choose
 * it), or {@link LOCAL_PEER_ADDRESS} when absent.
 */
export function peerAddress(headers: Headers): string {
  return headers.get('cf-connecting-ip')?.trim() || LOCAL_PEER_ADDRESS
}

/**
 * The `X-Forwarded-For` entries as the peer sent them, leftmost first. When the rightmost entry equals the peer it
 * was appended by Cloudflare (it appends the connecting address to an incoming XFF) and is dropped, so hop
 * counting is the same whether or not the platform appended it.
 */
export function forwardedForEntries(headers: Headers, peer: string): string[] {
  const value = headers.get('x-forwarded-for')
  if (!value) return []
  const entries: string[] = []
  for (const part of value.split(',')) {
    const entry = part.trim()
    if (entry !== '') entries.push(entry)
  }
  if (entries[entries.length - 1] === peer) entries.pop()
  return entries
}

/**
 * The client address to use for identity, rate-limit keys and logs (Envoy headers.rst, `use_remote_address: true`).
 * With 0 trusted hops it is always the peer: a forged `X-Forwarded-For` is never used. With N > 0 it is the Nth
 * `X-Forwarded-For` entry from the right (each trusted proxy appended the address it saw); too few entries, or
 * an entry that is not an IP literal, ⇒ the peer.
 * @param xffNumTrustedHops Proxies in front of Cloudflare that append to XFF. @default 0
 * @example
 * const xff = '203.0.113.128, 203.0.113.10, 203.0.113.1'
 * trustedClientAddress(new Headers({ 'cf-connecting-ip': '192.0.2.5', 'x-forwarded-for': xff }), 2) // '203.0.113.10'
 */
export function trustedClientAddress(headers: Headers, xffNumTrustedHops: number): string {
  const peer = peerAddress(headers)
  if (xffNumTrustedHops <= 0) return peer
  const entries = forwardedForEntries(headers, peer)
  const entry = entries[entries.length - xffNumTrustedHops]
  return entry !== undefined && isIpLiteral(entry) ? entry : peer
}

/**
 * The request id for this request: a well-formed incoming `X-Request-Id` (1–128 visible ASCII characters, no
 * spaces) when `preserveExternal`, otherwise a fresh UUID v4. Envoy sanitizes `x-request-id` on external requests
 * by default, so a client cannot choose the id that ties logs and traces together.
 * @param preserveExternal `preserve_external_request_id`. @default false
 */
export function requestIdFor(headers: Headers, preserveExternal: boolean): string {
  if (preserveExternal) {
    const incoming = headers.get('x-request-id')
    if (incoming !== null && isWellFormedRequestId(incoming)) return incoming
  }
  return crypto.randomUUID()
}

function isWellFormedRequestId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_REQUEST_ID_LENGTH) return false
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    if (c < 0x21 || c > 0x7e) return false
  }
  return true
}

/** A cheap syntactic check (no ports, no brackets): enough to keep junk out of rate-limit keys and logs. */
function isIpLiteral(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false
  let sep = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (IP_CHAR[c] !== 1) return false
    if (c === 0x2e || c === 0x3a) sep = true
  }
  return sep
}
