/**
 * @module Header sanitizing at the gateway's two hops: the request to the upstream (hop-by-hop removal, then the
 * gateway's own forwarding headers) and the response to the client (RFC 9110 §7.6.1, Envoy HCM headers).
 */
import { forwardedForEntries, peerAddress } from './client.ts'

/**
 * Hop-by-hop headers, never forwarded as received. Every header named in `Connection` is hop-by-hop too (computed
 * per message). `te: trailers` and a WebSocket `upgrade` are re-added where they apply.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
])

/**
 * Client-supplied headers some frameworks use to rebuild the request URL; never forwarded (Traefik
 * CVE-2026-35051).
 */
export const URL_OVERRIDE_HEADERS: readonly string[] = ['x-forwarded-prefix', 'x-original-url', 'x-rewrite-url']

/**
 * Prefixes of internal control headers that only the gateway (or its filters) may set; a client's copies are
 * removed at ingress, before auth and routing (Envoy "HTTP header sanitizing").
 */
export const INTERNAL_HEADER_PREFIXES: readonly string[] = ['x-envoy-', 'x-legate-', 'x-gateway-', 'x-jwt-claim-']

/** Exact internal control header names removed at ingress. */
const INTERNAL_HEADERS: ReadonlySet<string> = new Set(['x-forwarded-client-cert', ...URL_OVERRIDE_HEADERS])

/** RFC 9110 §5.6.2 tchar, so a `Connection` token is only used as a header name when it is one. */
const TCHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1
}

/** Comma-separated tokens of a list header, trimmed and lower-cased. */
function listTokens(value: string | null): string[] {
  if (!value) return []
  const tokens: string[] = []
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase()
    if (token !== '') tokens.push(token)
  }
  return tokens
}

/** The media type of a message (lower case, without parameters); "" when it has none. */
export const mediaTypeOf = (headers: Headers) => (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()

/** RFC 9110 field-name syntax (a token). */
export function isHeaderName(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (TCHAR[token.charCodeAt(i)] !== 1) return false
  return token.length > 0
}

/**
 * Removes, in place, every valid header name listed in `Connection`, then the static hop-by-hop set. (Deleting
 * blindly is as cheap as finding out first: `keys()` costs about four deletes, each name read one more.)
 */
function stripHopByHop(headers: Headers): void {
  for (const token of listTokens(headers.get('connection'))) {
    if (isHeaderName(token)) headers.delete(token)
  }
  for (const name of HOP_BY_HOP) headers.delete(name)
}

/**
 * True for an HTTP/1.1 WebSocket handshake: `Upgrade` lists `websocket` and `Connection` lists `upgrade`
 * (RFC 6455 §4.1), both case-insensitive.
 */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return (
    listTokens(headers.get('upgrade')).includes('websocket') &&
    listTokens(headers.get('connection')).includes('upgrade')
  )
}

/** What {@link toUpstreamHeaders} needs to know about the request beyond its headers. */
export interface UpstreamHeaderInfo {
  /** The trusted client address (`trustedClientAddress`). */
  clientAddress: string
  /** The scheme the client used to reach the gateway. */
  proto: 'http' | 'https'
  /** The original `Host`, sent as `x-forwarded-host`. */
  host: string
  requestId: string
  /** `xff_num_trusted_hops`: above 0 a client `x-forwarded-proto`/`x-forwarded-port` is trusted. @default 0 */
  xffNumTrustedHops: number
  /** The route allows WebSocket upgrades; `upgrade` is kept only if the request also is one. */
  websocket: boolean
}

/**
 * Builds the headers for the upstream request, as a new `Headers`, in one pass over the incoming names (the hot
 * path: one copy, then only the deletes that apply). Routing, filters and the upstream all see this result, as
 * Envoy's router sees the headers its connection manager already sanitized and completed.
 * - Ingress sanitizing (security.md H8, H16): a client's copies of internal control headers (every name
 *   starting with one of {@link INTERNAL_HEADER_PREFIXES}, `x-forwarded-client-cert`) and the URL override
 *   headers (`x-forwarded-prefix`, `x-original-url`, `x-rewrite-url`) are removed.
 * - Hop-by-hop headers (the static set plus those named in `Connection`) are removed before the gateway's own
 *   headers are set, so a client cannot strip or freeze them through `Connection` (Traefik CVE-2024-45410).
 * - `x-forwarded-for`: the incoming value as given, then the peer appended (Envoy `use_remote_address`); with 0
 *   trusted hops the peer is `clientAddress`. The peer is not appended twice when Cloudflare already did.
 * - `x-forwarded-proto`: `proto`, unless trusted hops > 0 and the client sent one. `x-forwarded-port` is dropped
 *   unless trusted hops > 0.
 * - `x-forwarded-host`: `host`. `x-request-id`: `requestId`.
 * - `expect: 100-continue` is removed (Envoy's default, `proxy_100_continue: false`): the expectation belongs to
 *   the hop in front of the Worker, and workerd's fetch would hand the gateway an upstream's `100 Continue` in place
 *   of its final response. Other expectations pass through.
 * - `te` survives only as `te: trailers`; `upgrade: websocket` + `connection: upgrade` only for a WebSocket
 *   handshake (`websocket`). `content-length` is never copied (the runtime frames the body).
 * - `cf-*` and `host` are left as they are.
 * @example
 * const info = { clientAddress, proto: 'https', host, requestId, xffNumTrustedHops: 0, websocket: false } as const
 * const headers = toUpstreamHeaders(request.headers, info)
 */
export function toUpstreamHeaders(incoming: Headers, info: UpstreamHeaderInfo): Headers {
  const out = new Headers(incoming)
  const trusted = info.xffNumTrustedHops > 0
  // Every header read or delete is a call into the runtime (~2,000 instructions each): the one pass over the names
  // records what is present, so only the headers that are there are read or deleted (issue 18).
  const names: string[] = []
  let remove: string[] | undefined
  let connection = false
  let upgrade = false
  let te = false
  let forwardedFor = false
  for (const name of incoming.keys()) {
    names.push(name)
    if (name === 'connection') connection = true
    else if (name === 'upgrade') upgrade = true
    else if (name === 'te') te = true
    else if (name === 'x-forwarded-for') {
      forwardedFor = true
      continue
    }
    if (alwaysRemoved(name) || (name === 'expect' && expectsContinue(incoming)) || (!trusted && name === 'x-forwarded-port'))
      (remove ??= []).push(name)
  }
  const connectionTokens = connection ? listTokens(incoming.get('connection')) : undefined
  if (connectionTokens) {
    // Headers named in Connection go too, except `host` and the platform's `cf-*` (only those present: deleting an
    // absent header changes nothing).
    for (const token of connectionTokens) {
      if (names.includes(token) && !remove?.includes(token) && isHeaderName(token) && token !== 'host' && !token.startsWith('cf-')) (remove ??= []).push(token)
    }
  }
  if (remove) for (const name of remove) out.delete(name)

  if (te && listTokens(incoming.get('te')).includes('trailers')) out.set('te', 'trailers')
  // A WebSocket handshake (isWebSocketUpgrade), from what was read above.
  if (info.websocket && upgrade && connectionTokens?.includes('upgrade') && listTokens(incoming.get('upgrade')).includes('websocket')) {
    out.set('upgrade', 'websocket')
    out.set('connection', 'upgrade')
  }

  const peer = trusted ? peerAddress(incoming) : info.clientAddress
  if (forwardedFor) {
    const chain = forwardedForEntries(incoming, peer)
    chain.push(peer)
    out.set('x-forwarded-for', chain.join(', '))
  } else out.set('x-forwarded-for', peer)

  const clientProto = trusted ? incoming.get('x-forwarded-proto')?.trim() : undefined
  out.set('x-forwarded-proto', clientProto || info.proto)
  out.set('x-forwarded-host', info.host)
  out.set('x-request-id', info.requestId)
  return out
}

/**
 * True when {@link toUpstreamHeaders} passes a header of this lower-case name on exactly as the client sent it (or
 * leaves it absent), given the request's `Connection` tokens: every name it removes, rewrites or sets is false.
 */
export function keptAsSent(name: string, connectionTokens: readonly string[]): boolean {
  // Beyond what is always removed: `expect` and `x-forwarded-port` go by value or setting, the forwarding headers
  // and `x-request-id` are set, and whatever `Connection` names goes.
  return !(alwaysRemoved(name) || name === 'expect' || name === 'x-request-id' || name.startsWith('x-forwarded-') || connectionTokens.includes(name))
}

/** Removed at ingress whatever their value: framing, hop-by-hop, internal control and URL-override headers. */
function alwaysRemoved(name: string): boolean {
  return name === 'content-length' || HOP_BY_HOP.has(name) || INTERNAL_HEADERS.has(name) || isInternal(name)
}

/** The `Connection` tokens {@link keptAsSent} needs. */
export const connectionTokensOf = (headers: Headers): string[] => listTokens(headers.get('connection'))

function expectsContinue(headers: Headers): boolean {
  return listTokens(headers.get('expect')).includes('100-continue')
}

function isInternal(name: string): boolean {
  const c = name.charCodeAt(0)
  if (c !== 0x78) return false // every internal prefix starts with "x-"
  for (const p of INTERNAL_HEADER_PREFIXES) if (name.startsWith(p)) return true
  return false
}

/**
 * Removes the hop-by-hop headers of a response to the client, in place: `connection` and every header it names,
 * `keep-alive`, `transfer-encoding`, `trailer`, `te`, `proxy-*` and `upgrade`. For a `101 Switching Protocols`
 * response `upgrade` and `connection: upgrade` are kept. Multiple `set-cookie` values are untouched.
 * @param status The upstream status. @default 200
 */
export function stripDownstreamHopByHop(headers: Headers, status = 200): void {
  const upgrade = status === 101 ? headers.get('upgrade') : null
  stripHopByHop(headers)
  if (upgrade !== null) {
    headers.set('upgrade', upgrade)
    headers.set('connection', 'upgrade')
  }
}

/** {@link stripDownstreamHopByHop} on a copy: the upstream's headers are left as they are. */
export function toDownstreamHeaders(upstream: Headers, status = 200): Headers {
  const out = new Headers(upstream)
  stripDownstreamHopByHop(out, status)
  return out
}
