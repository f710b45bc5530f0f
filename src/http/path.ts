/**
 * @module Request-path normalization, as Envoy's HCM does it before routing: escaped-slash policy
 * (`path_with_escaped_slashes_action`), RFC 3986 normalization (`normalize_path`) and `merge_slashes`, plus the
 * origin-parser options `path_parameters` and `trailing_dots_and_spaces`, so the gateway routes and authorizes on
 * the same path it forwards.
 */
import type { GatewaySettings } from '../config/schema.ts'
import { stripPathParameters, trimSegmentEnds } from './_path-segments.ts'

/** The gateway settings that shape path handling. */
export type PathOptions = Pick<
  GatewaySettings,
  'normalize_path' | 'merge_slashes' | 'escaped_slashes' | 'path_parameters' | 'trailing_dots_and_spaces'
>

/** Why a path was refused; the pipeline answers 400 `ERR_BAD_PATH` (Envoy `path_normalization_failed`). */
export type PathRejectReason = 'nul' | 'bad_escape' | 'escaped_slash' | 'path_parameters' | 'trailing_dot_or_space'

/**
 * `ok`: route on and forward `path`. `reject`: answer 400. `redirect`: answer 307 with `Location: path` (only
 * `%2F`/`%5C` unescaped); the client re-requests and that request is normalized as usual.
 */
export type PathResult =
  | { kind: 'ok'; path: string }
  | { kind: 'reject'; reason: PathRejectReason }
  | { kind: 'redirect'; path: string }

/** Human-readable `detail` for each reject reason. */
export const PATH_REJECT_DETAIL: Readonly<Record<PathRejectReason, string>> = {
  nul: 'The path contains a NUL character (%00).',
  bad_escape: 'The path contains a "%" that is not followed by two hex digits.',
  escaped_slash: 'The path contains an escaped slash (%2F or %5C), which this gateway rejects.',
  path_parameters: 'The path contains a ";" path parameter, which this gateway rejects.',
  trailing_dot_or_space: 'A path segment ends in a dot or a space, which this gateway rejects.',
}

const SLASH = 0x2f
const BACKSLASH = 0x5c
const PERCENT = 0x25
const DOT = 0x2e

/** Hex digit value by char code, -1 when not a hex digit. */
const HEX_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i
for (let i = 0; i < 6; i++) HEX_VALUE[0x41 + i] = HEX_VALUE[0x61 + i] = 10 + i

/** RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
const UNRESERVED = new Uint8Array(128)
for (let c = 0x30; c <= 0x39; c++) UNRESERVED[c] = 1
for (let c = 0x41; c <= 0x5a; c++) UNRESERVED[c] = UNRESERVED[c + 0x20] = 1
for (const c of [0x2d, 0x2e, 0x5f, 0x7e]) UNRESERVED[c] = 1

const hexAt = (s: string, i: number): number => {
  const c = s.charCodeAt(i) // NaN past the end, which indexes to undefined
  return HEX_VALUE[c] ?? -1
}

/**
 * Normalizes a request path the way Envoy does at the edge, in this order:
 * 1. `%00` (or a raw NUL) or a `%` not followed by two hex digits ⇒ reject.
 * 2. Escaped slashes `%2F %2f %5C %5c` per `escaped_slashes`: `keep_unchanged` leaves them, `reject_request`
 *    rejects, `unescape_and_redirect` returns a redirect to the path with only those unescaped (`%5C` ⇒ `\`),
 *    `unescape_and_forward` decodes them to `/` and continues.
 * 3. `normalize_path`: decode percent-encoded unreserved characters once (never `%25`, so no double decoding),
 *    `\` ⇒ `/`.
 * 4. `path_parameters`: `strip` cuts every segment at its first `;` (`/a;x/b` ⇒ `/a/b`), `reject` rejects a `;`.
 * 5. `trailing_dots_and_spaces`: `strip` removes trailing `.`/` `/`%2E`/`%20` from every segment but `.` and `..`
 *    (`/admin. .` ⇒ `/admin`), `reject` rejects such a segment.
 * 6. `normalize_path`: `..;x` ⇒ `..` and `.;x` ⇒ `.`, remove dot segments (clamped at the root), leading `/`.
 * 7. `merge_slashes`: collapse runs of `/` (so `/;/admin` stripped to `//admin` routes as `/admin`).
 *
 * Case is never folded, reserved escapes keep their spelling. A `?query` suffix is passed through untouched and
 * a `#fragment` is dropped (Istio CVE-2021-39156), so both a URL's `pathname` and a raw request target work.
 * WHATWG `URL` (workerd) already resolves `.`, `..`, `%2e` and `%2e%2e` segments and turns `\` into `/`, but not
 * `..;x`, `%2F`/`%5C` or `//`; this function does not rely on any of that.
 *
 * @param rawPath The percent-encoded path as received, e.g. `new URL(request.url).pathname`.
 * @example
 * const opts = { normalize_path: true, merge_slashes: true, escaped_slashes: 'keep_unchanged',
 *   path_parameters: 'strip', trailing_dots_and_spaces: 'keep' } as const
 * normalizePath('/a/b/%2e%2e/c;x//d', opts) // { kind: 'ok', path: '/a/c/d' }
 */
export function normalizePath(rawPath: string, opts: PathOptions): PathResult {
  let path = rawPath
  let query = ''
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i)
    if (c === 0x23 /* # */) {
      path = rawPath.slice(0, i)
      break
    }
    if (c === 0x3f /* ? */) {
      path = rawPath.slice(0, i)
      const hash = rawPath.indexOf('#', i)
      query = hash < 0 ? rawPath.slice(i) : rawPath.slice(i, hash)
      break
    }
  }

  let escapedSlash = false
  let percent = false
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 0) return { kind: 'reject', reason: 'nul' }
    if (c !== PERCENT) continue
    const hi = hexAt(path, i + 1)
    const lo = hexAt(path, i + 2)
    if (hi < 0 || lo < 0) return { kind: 'reject', reason: 'bad_escape' }
    const byte = hi * 16 + lo
    if (byte === 0) return { kind: 'reject', reason: 'nul' }
    if (byte === SLASH || byte === BACKSLASH) escapedSlash = true
    percent = true
    i += 2
  }

  if (escapedSlash) {
    switch (opts.escaped_slashes) {
      case 'reject_request':
        return { kind: 'reject', reason: 'escaped_slash' }
      case 'unescape_and_redirect':
        return { kind: 'redirect', path: unescapeSlashes(path, '\\') + query }
      case 'unescape_and_forward':
        path = unescapeSlashes(path, '/')
        break
      case 'keep_unchanged':
        break
    }
  }

  if (opts.normalize_path) {
    if (percent) path = decodeUnreserved(path)
    if (path.includes('\\')) path = path.replaceAll('\\', '/')
  }
  if (opts.path_parameters !== 'keep' && path.includes(';')) {
    if (opts.path_parameters === 'reject') return { kind: 'reject', reason: 'path_parameters' }
    path = stripPathParameters(path)
  }
  if (opts.trailing_dots_and_spaces !== 'keep') {
    const trimmed = trimSegmentEnds(path, opts.trailing_dots_and_spaces === 'reject')
    if (trimmed === null) return { kind: 'reject', reason: 'trailing_dot_or_space' }
    path = trimmed
  }
  if (opts.normalize_path && (path.includes('.') || path.charCodeAt(0) !== SLASH)) path = removeDotSegments(path)
  if (opts.merge_slashes && path.includes('//')) path = mergeSlashes(path)
  return { kind: 'ok', path: path + query }
}

/** `%2F`/`%2f` ⇒ `/`, `%5C`/`%5c` ⇒ `backslash`. Escapes are already known to be well formed. */
function unescapeSlashes(path: string, backslash: '/' | '\\'): string {
  let out = ''
  let from = 0
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 3)) {
    const byte = hexAt(path, i + 1) * 16 + hexAt(path, i + 2)
    if (byte !== SLASH && byte !== BACKSLASH) continue
    out += path.slice(from, i) + (byte === SLASH ? '/' : backslash)
    from = i + 3
  }
  return out + path.slice(from)
}

/** Decodes `%XX` escapes of unreserved characters, once; all other escapes keep their exact spelling. */
function decodeUnreserved(path: string): string {
  let out = ''
  let from = 0
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 3)) {
    const byte = hexAt(path, i + 1) * 16 + hexAt(path, i + 2)
    if (byte >= 128 || UNRESERVED[byte] !== 1) continue
    out += path.slice(from, i) + String.fromCharCode(byte)
    from = i + 3
  }
  return out + path.slice(from)
}

/** `..;params` ⇒ `..`, `.;params` ⇒ `.` (Tomcat path parameters; Envoy strip_dotdot_segments_with_parameters). */
function dotSegment(segment: string): string {
  if (segment.charCodeAt(0) !== DOT) return segment
  if (segment.startsWith('..;')) return '..'
  if (segment.charCodeAt(1) === 0x3b /* ; */) return '.'
  return segment
}

/** RFC 3986 §5.2.4 remove_dot_segments on an absolute path; `..` above the root is dropped. Adds the leading `/`. */
function removeDotSegments(path: string): string {
  const segments = path.split('/')
  const out: string[] = []
  const last = segments.length - 1
  for (let i = path.charCodeAt(0) === SLASH ? 1 : 0; i <= last; i++) {
    const segment = dotSegment(segments[i] ?? '')
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop()
      // A trailing dot segment leaves a directory path: /a/b/.. ⇒ /a/
      if (i === last) out.push('')
      continue
    }
    out.push(segment)
  }
  return '/' + out.join('/')
}

/** Collapses every run of `/` into one. */
function mergeSlashes(path: string): string {
  let out = ''
  let from = 0
  for (let i = path.indexOf('//'); i >= 0; i = path.indexOf('//', from)) {
    let end = i + 2
    while (path.charCodeAt(end) === SLASH) end++
    out += path.slice(from, i + 1)
    from = end
  }
  return out + path.slice(from)
}
