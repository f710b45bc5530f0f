/**
 * @module The platform floor (issues 17, 18): the cheapest hand-written Workers doing the per-request work of
 * Legate's routes, without Legate. No framework, no config, no imports. `floor-plain` does what legate-plain with
 * observability off does on the wire; `floor-plain-minimal` only what a proxy cannot skip; `floor-mirror` adds a
 * 100 % mirror; `floor-cache-hit` answers from an in-isolate Map. The `floor-plain-*` alternatives build the same
 * requests and responses another way (bench/instructions.mjs counts each; docs/performance.md "The platform floor"):
 * the cheapest is a native copy of the headers, then deletes and sets; arrays of [name, value] pairs cost far more
 * (workerd converts them through the JavaScript iterator protocol). Out of scope: WebSocket handshakes, and paths
 * that need normalizing (answered 400 here; the measured request needs neither).
 *
 * What workerd does itself (probed on this workerd): its fetch() drops `connection`, `keep-alive`, `te`, `trailer`,
 * `transfer-encoding` and `upgrade` from the request and replaces `host` with the URL's; its HTTP server drops the
 * same from a response. It does not drop `proxy-*` or the headers `Connection` names.
 */

/** Request headers never copied upstream (src/http/headers.ts: hop-by-hop, control and URL-override headers, framing). */
const DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization',
  'proxy-authenticate', 'content-length', 'x-forwarded-client-cert', 'x-forwarded-prefix', 'x-original-url', 'x-rewrite-url',
  'x-forwarded-port', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id',
])
/** Only the hop-by-hop headers and the ones this request sets (floor-plain-minimal). */
const DROP_MINIMAL = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'x-forwarded-for', 'x-request-id'])
/** Set on every upstream request, so never deleted first. */
const SET = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id'])
const INTERNAL = ['x-envoy-', 'x-legate-', 'x-gateway-', 'x-jwt-claim-']
const HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate']
const HOP_SET = new Set(HOP)
/** The hop-by-hop headers workerd does not drop itself. */
const HOP_LEFT = ['proxy-connection', 'proxy-authorization', 'proxy-authenticate']
/** Legate's default route timeout (Envoy's): it covers the whole exchange, body included. */
const TIMEOUT_MS = 15_000
/** What x-legate-config-version says (legate-plain answers with the serving config version). */
const VERSION = '1'

const isInternal = (name) => name.charCodeAt(0) === 0x78 && INTERNAL.some((p) => name.startsWith(p))
const tokens = (value) => value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)

/** True when Legate's normalizePath (default settings) leaves the path as is: no `%`, `\`, NUL, `//` or dot segment. */
function plainPath(p) {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i)
    if (c === 0x25 || c === 0x5c || c === 0) return false
    if (c === 0x2f) {
      const n = p.charCodeAt(i + 1)
      if (n === 0x2f || n === 0x2e) return false
    }
  }
  return true
}

/** `request.url` split without the URL parser, when it is plain (else undefined: the caller parses it). */
function splitUrl(raw) {
  const s = raw.indexOf('//')
  const p = raw.indexOf('/', s + 2)
  if (s < 0 || p < 0 || raw.indexOf('#') >= 0 || raw.indexOf('@') >= 0) return undefined
  const q = raw.indexOf('?', p)
  return { proto: raw.slice(0, s), host: raw.slice(s + 2, p), pathname: q < 0 ? raw.slice(p) : raw.slice(p, q), search: q < 0 ? '' : raw.slice(q) }
}

/** The request line: URL parts, or a reply when the path needs a normalization the floor does not implement. */
function parse(request, manual) {
  const raw = request.url
  let u = manual ? splitUrl(raw) : undefined
  if (!u) {
    try {
      const url = new URL(raw)
      u = { proto: url.protocol, host: url.host, pathname: url.pathname, search: url.search }
    } catch {
      return new Response('bad request target', { status: 400 })
    }
  }
  if (!plainPath(u.pathname)) return new Response('path needs normalizing (not in the floor)', { status: 400 })
  return u
}

/** X-Forwarded-For as Legate sends it: the incoming entries (less a last one equal to the peer), then the peer. */
function forwardedFor(xff, peer) {
  if (!xff) return peer
  const entries = tokens(xff)
  if (entries[entries.length - 1] === peer) entries.pop()
  entries.push(peer)
  return entries.join(', ')
}

/**
 * One pass over the incoming headers, everything decided in JavaScript: the upstream headers as [name, value]
 * pairs. `full`: legate-plain's set (control headers removed, x-forwarded-proto and -host); else the minimal one.
 */
function upstreamPairs(incoming, u, requestId, full) {
  const drop = full ? DROP : DROP_MINIMAL
  const out = []
  let connection, xff, peer, te
  for (const pair of incoming) {
    const name = pair[0]
    if (drop.has(name) || (full && isInternal(name))) {
      if (name === 'connection') connection = pair[1]
      else if (name === 'x-forwarded-for') xff = pair[1]
      else if (name === 'te') te = pair[1]
      continue
    }
    if (name === 'cf-connecting-ip') peer = pair[1].trim()
    else if (full && name === 'expect' && tokens(pair[1]).includes('100-continue')) continue
    out.push(pair)
  }
  let kept = out
  if (connection) {
    const named = tokens(connection).filter((t) => t !== 'host' && !t.startsWith('cf-'))
    if (named.length) kept = out.filter((p) => !named.includes(p[0]))
  }
  if (te && tokens(te).includes('trailers')) kept.push(['te', 'trailers'])
  kept.push(['x-forwarded-for', forwardedFor(xff, peer || '127.0.0.1')])
  if (full) kept.push(['x-forwarded-proto', u.proto === 'https:' ? 'https' : 'http'], ['x-forwarded-host', u.host])
  kept.push(['x-request-id', requestId])
  return kept
}

/**
 * The upstream headers as Legate builds them: a copy of the incoming ones, one scan of the names (the internal
 * prefixes need it), deletes of what is there, sets. `minimal`: hop-by-hop only, then x-forwarded-for and x-request-id.
 */
function upstreamCopy(incoming, u, requestId, into = new Headers(incoming), minimal = false) {
  const remove = []
  let connection = false
  let forwarded = false
  let expect = false
  for (const name of incoming.keys()) {
    if (name === 'connection') connection = true
    else if (name === 'expect') expect = !minimal
    if (name === 'x-forwarded-for') forwarded = true
    else if (minimal ? HOP_SET.has(name) : (DROP.has(name) && !SET.has(name)) || isInternal(name)) remove.push(name)
  }
  if (connection) for (const t of tokens(incoming.get('connection'))) if (t !== 'host' && !t.startsWith('cf-') && !remove.includes(t)) remove.push(t)
  // Envoy's proxy_100_continue: false. (`te: trailers`, which Legate sets again, workerd's fetch drops anyway.)
  if (expect && tokens(incoming.get('expect')).includes('100-continue')) remove.push('expect')
  for (const name of remove) into.delete(name)
  const peer = incoming.get('cf-connecting-ip')?.trim() || '127.0.0.1'
  into.set('x-forwarded-for', forwardedFor(forwarded ? incoming.get('x-forwarded-for') : null, peer))
  if (!minimal) {
    into.set('x-forwarded-proto', u.proto === 'https:' ? 'https' : 'http')
    into.set('x-forwarded-host', u.host)
  }
  into.set('x-request-id', requestId)
  return into
}

/**
 * floor-plain-minimal's upstream headers: no scan, gets of the few names that matter and deletes of the
 * hop-by-hop headers workerd leaves (the ones Connection names, proxy-*).
 */
function upstreamProbe(incoming, requestId) {
  const into = new Headers(incoming)
  const connection = incoming.get('connection')
  if (connection) for (const t of tokens(connection)) if (!HOP_SET.has(t) && t !== 'host' && !t.startsWith('cf-')) into.delete(t)
  into.delete('proxy-authorization')
  into.delete('proxy-connection')
  into.set('x-forwarded-for', forwardedFor(incoming.get('x-forwarded-for'), incoming.get('cf-connecting-ip')?.trim() || '127.0.0.1'))
  into.set('x-request-id', requestId)
  return into
}

/** Response headers as pairs, hop-by-hop (and what Connection names) left out, `extra` appended. */
function downstreamPairs(headers, extra) {
  const out = []
  let connection
  for (const pair of headers) {
    if (HOP_SET.has(pair[0])) {
      if (pair[0] === 'connection') connection = pair[1]
      continue
    }
    out.push(pair)
  }
  const named = connection ? tokens(connection) : []
  const kept = named.length ? out.filter((p) => !named.includes(p[0])) : out
  for (const p of extra) kept.push(p)
  return kept
}

/** Strips a mutable response's hop-by-hop headers in place, as Legate does (`blind`) or only the ones workerd leaves. */
function stripInPlace(h, mode) {
  const connection = h.get('connection')
  if (connection) for (const t of tokens(connection)) if (mode === 'legate' || !HOP_SET.has(t)) h.delete(t)
  for (const name of mode === 'legate' ? HOP : HOP_LEFT) h.delete(name)
}

const upstreamFailure = (signal, e) => new Response(String(e?.message ?? e), { status: signal?.aborted ? 504 : 503 })

/**
 * A floor-plain Worker. Options: `req` how the upstream headers are made ('copy': Legate's copy, scan, deletes and
 * sets; 'pairs': one pass over the entries, an array handed to fetch; 'headers': the same array as a Headers;
 * 'request': `new Request(url, request)` and the copy's work on its headers; 'probe': minimal only, gets and blind
 * deletes instead of a scan), `res` how the response is made ('pairs': one pass, a new
 * Response from an array; 'legate': a copy, one get and nine deletes; 'platform': a copy, deletes of what workerd
 * leaves; 'keys': a copy, a scan of the names, deletes of those present), `timer` ('controller': AbortController +
 * setTimeout, as Legate; 'signal': AbortSignal.timeout), `url` ('parse': new URL; 'manual': string slicing).
 * `minimal`: only hop-by-hop, x-forwarded-for and x-request-id; no timeout, no service time, no config version.
 */
export function plainWorker({ req = 'copy', res = 'platform', timer = 'signal', url = 'parse', minimal = false, mirror } = {}) {
  return async (request, env, ctx) => {
    const u = parse(request, url === 'manual')
    if (u instanceof Response) return u
    if (u.pathname[0] !== '/') return new Response('no route', { status: 404 }) // the route table: one prefix route
    const requestId = crypto.randomUUID()
    const incoming = request.headers
    const target = env.UPSTREAM + u.pathname + u.search
    const method = request.method
    let signal
    if (!minimal) {
      if (timer === 'controller') {
        const ac = new AbortController()
        setTimeout(() => ac.abort('route timeout'), TIMEOUT_MS)
        signal = ac.signal
      } else signal = AbortSignal.timeout(TIMEOUT_MS)
    }
    let upstream
    let headers
    if (req === 'request') {
      upstream = new Request(target, request)
      upstreamCopy(incoming, u, requestId, upstream.headers)
    } else {
      headers =
        req === 'probe' ? upstreamProbe(incoming, requestId) : req === 'copy' ? upstreamCopy(incoming, u, requestId, undefined, minimal) : upstreamPairs(incoming, u, requestId, !minimal)
      if (req === 'headers') headers = new Headers(headers)
    }
    const init = { method, headers, body: request.body, redirect: 'manual' }
    if (signal) init.signal = signal
    if (mirror) startMirror(ctx, env, u, method, headers)
    const started = minimal ? 0 : Date.now()
    let r
    try {
      r = await (upstream ? fetch(upstream, signal ? { signal } : undefined) : fetch(target, init))
    } catch (e) {
      console.error(`floor: upstream failed: ${e?.message ?? e}`)
      return upstreamFailure(signal, e)
    }
    const status = r.status
    if (status === 101 || status < 200 || status > 599) return status === 101 ? r : new Response(null, { status: 502 })
    if (minimal) return minimalResponse(r, res)
    const serviceTime = String(Date.now() - started)
    if (res === 'pairs')
      return new Response(r.body, { status, statusText: r.statusText, headers: downstreamPairs(r.headers, [['x-envoy-upstream-service-time', serviceTime], ['x-legate-config-version', VERSION]]) })
    const out = new Response(r.body, r)
    const h = out.headers
    if (res === 'keys') {
      const present = []
      for (const name of h.keys()) if (HOP_SET.has(name)) present.push(name)
      const c = present.includes('connection') ? h.get('connection') : null
      for (const name of c ? [...present, ...tokens(c)] : present) h.delete(name)
    } else stripInPlace(h, res)
    h.set('x-envoy-upstream-service-time', serviceTime)
    h.set('x-legate-config-version', VERSION)
    return out
  }
}

/**
 * floor-plain-minimal's response: the upstream's own when it has no hop-by-hop header workerd leaves (`res`
 * 'probe': two gets; else one pass over the names), else a copy without them.
 */
function minimalResponse(r, res) {
  const h = r.headers
  const names = (c) => c !== null && tokens(c).some((t) => !HOP_SET.has(t)) // a header Connection names that workerd keeps
  let dirty = false
  if (res === 'probe') dirty = names(h.get('connection')) || h.has('proxy-authenticate') || h.has('proxy-connection')
  else for (const name of h.keys()) if (name === 'proxy-authenticate' || name === 'proxy-connection' || (name === 'connection' && names(h.get(name)))) dirty = true
  if (!dirty) return r
  const out = new Response(r.body, r)
  stripInPlace(out.headers, 'platform')
  return out
}

/** The mirror's host: `-shadow` before the port (src/upstream/request/mirror.ts shadowHost). */
function shadowHost(host) {
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':')
  const cut = end <= 0 ? host.length : end
  return `${host.slice(0, cut)}-shadow${host.slice(cut)}`
}

/** A copy of the (bodiless) request to env.MIRROR in the background, its response read and dropped. */
function startMirror(ctx, env, u, method, headers) {
  const pairs = Array.isArray(headers)
  const copy = pairs ? headers.map((p) => (p[0] === 'x-forwarded-host' ? [p[0], shadowHost(p[1])] : p)) : new Headers(headers)
  if (!pairs) copy.set('x-forwarded-host', shadowHost(u.host))
  const init = { method, headers: copy, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) }
  ctx.waitUntil(
    fetch(env.MIRROR + u.pathname + u.search, init).then(
      (r) => {
        const length = r.headers.get('content-length')
        return length !== null && Number(length) <= 65_536 ? r.arrayBuffer() : r.body?.cancel()
      },
      () => undefined,
    ),
  )
}

/**
 * floor-cache-hit: the route lookup and request id a gateway does before it knows, the per-identity key (the
 * bearer token, through a verified-token Map as jwt_authn keeps one), then a hit from an in-isolate Map: a new
 * Response of the kept bytes and headers, with `age` and `x-cache: HIT`. A miss (the first request) forwards as
 * floor-plain does and keeps the body. The Map is shared by the variants (they send the same request).
 */
const cache = new Map()
const verified = new Map()
const plain = plainWorker()
let isoSecond = -1
let isoPrefix = ''
/** `toISOString()` of ms, the formatting done once per second (Legate's isoTime is cheaper still). */
function iso(ms) {
  const second = Math.floor(ms / 1000)
  if (second !== isoSecond) [isoSecond, isoPrefix] = [second, new Date(second * 1000).toISOString().slice(0, 20)]
  return `${isoPrefix}${String(ms % 1000).padStart(3, '0')}Z`
}

/**
 * One access line as Legate writes it by default (every field, src/observability/access-log.ts), for
 * floor-cache-hit-logged: what the default observability contract costs a hit on its own.
 */
function accessLine(request, u, requestId, status, startedAt) {
  console.log(
    JSON.stringify({
      level: 'info', msg: 'access', start_time: iso(startedAt), method: request.method, authority: u.host, path: u.pathname,
      protocol: null, status, response_flags: '-', vhost: 'bench', route: 'all', cluster: null, upstream_host: null, attempt_count: 0,
      duration_ms: Date.now() - startedAt, upstream_duration_ms: null, bytes_received: null, bytes_sent: null, request_id: requestId, trace_id: null,
      client_address: request.headers.get('cf-connecting-ip') ?? '127.0.0.1', user_agent: request.headers.get('user-agent'), config_version: 1,
    })
  )
}

/**
 * floor-cache-hit. `pairs`: the kept headers as [name, value] pairs, `age` and `x-cache` appended (else a Headers,
 * copied by the Response, then two sets). `logged`: an access line per hit, as Legate's default writes.
 */
export function cacheHitWorker({ pairs = false, logged = false } = {}) {
  return async (request, env, ctx) => {
    const u = parse(request, false)
    if (u instanceof Response) return u
    if (u.pathname[0] !== '/') return new Response('no route', { status: 404 })
    const requestId = crypto.randomUUID() // for logs and local replies: made before the gateway knows it has a hit
    const auth = request.headers.get('authorization')
    const now = Date.now()
    // The token was verified once (the floor does not verify signatures: that is jwt_authn's cost, cached after the first).
    let id = auth ? verified.get(auth) : undefined
    if (!id && auth) verified.set(auth, (id = { sub: auth.slice(-16), exp: now + 3_600_000 }))
    if (!id || id.exp <= now) return new Response(null, { status: 401, headers: { 'x-request-id': requestId } })
    const key = `${id.sub} ${u.pathname}${u.search}`
    const hit = request.method === 'GET' ? cache.get(key) : undefined
    if (hit && now < hit.expires) {
      const age = String(Math.floor((now - hit.stored) / 1000))
      if (pairs) return new Response(hit.body, { status: hit.status, headers: [...hit.pairs, ['age', age], ['x-cache', 'HIT']] })
      const out = new Response(hit.body, { status: hit.status, headers: hit.headers })
      out.headers.set('age', age)
      out.headers.set('x-cache', 'HIT')
      if (logged) accessLine(request, u, requestId, out.status, now)
      return out
    }
    const res = await plain(request, env, ctx)
    if (request.method !== 'GET' || res.status !== 200) return res
    const body = await res.arrayBuffer()
    const kept = [...res.headers].filter((p) => p[0] !== 'x-envoy-upstream-service-time' && p[0] !== 'date')
    cache.set(key, { body, status: res.status, pairs: kept, headers: new Headers(kept), stored: now, expires: now + 3_600_000 })
    return new Response(body, res)
  }
}

/** The variants, by the name bench/instructions.mjs and bench/run.mjs give them. */
export const FLOOR = {
  'floor-plain': plainWorker(),
  'floor-plain-minimal': plainWorker({ minimal: true, req: 'probe', res: 'probe' }),
  'floor-mirror': plainWorker({ mirror: true }),
  'floor-cache-hit': cacheHitWorker(),
  'floor-cache-hit-pairs': cacheHitWorker({ pairs: true }),
  'floor-cache-hit-logged': cacheHitWorker({ logged: true }),
  'floor-plain-legate': plainWorker({ res: 'legate', timer: 'controller' }),
  'floor-plain-pairs': plainWorker({ req: 'pairs', res: 'pairs' }),
  'floor-plain-headers': plainWorker({ req: 'headers' }),
  'floor-plain-request': plainWorker({ req: 'request' }),
  'floor-plain-res-legate': plainWorker({ res: 'legate' }),
  'floor-plain-res-keys': plainWorker({ res: 'keys' }),
  'floor-plain-controller': plainWorker({ timer: 'controller' }),
  'floor-plain-manual-url': plainWorker({ url: 'manual' }),
  'floor-plain-minimal-scan': plainWorker({ minimal: true, res: 'keys' }),
}

/** As a Worker of its own (bench/run.mjs load scenarios): the variant named by the FLOOR binding. */
export default {
  fetch(request, env, ctx) {
    return FLOOR[env.FLOOR](request, env, ctx)
  },
}
