/**
 * @module Per-segment path rewrites that close origin-parser bypasses: `;params` (Tomcat, Spring) and trailing dots
 * and spaces (Windows, IIS). Each works on the percent-encoded path, in one pass, with no regex.
 */

const SLASH = 0x2f
const DOT = 0x2e
const SPACE = 0x20
const PERCENT = 0x25

/** `/a;x/b;y=1;z` ⇒ `/a/b`: every segment is cut at its first `;` (what Tomcat and Spring route on). */
export function stripPathParameters(path: string): string {
  let out = ''
  let from = 0
  for (let i = path.indexOf(';'); i >= 0; ) {
    out += path.slice(from, i)
    const slash = path.indexOf('/', i)
    if (slash < 0) return out
    from = slash
    i = path.indexOf(';', slash)
  }
  return out + path.slice(from)
}

/**
 * Removes trailing `.`, ` `, `%2E`/`%2e` and `%20` from every segment, as Windows does to file names: `/admin. .`
 * and `/admin%20` ⇒ `/admin`, `/a.../b` ⇒ `/a/b`. The dot segments `.` and `..` (also spelled `%2e`) are left for
 * dot-segment removal. Any other segment of dots and spaces only (`...`, `..%20`) becomes empty, which
 * `merge_slashes` then collapses; the origin is sent the trimmed path, so it never sees such a segment.
 *
 * @returns The trimmed path, or `null` when `reject` is set and a segment would have been trimmed.
 */
export function trimSegmentEnds(path: string, reject: boolean): string | null {
  let out = ''
  let from = 0
  let start = 0
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== SLASH) continue
    const end = trimmedEnd(path, start, i)
    if (end !== i && !isDotSegment(path, start, i)) {
      if (reject) return null
      out += path.slice(from, end)
      from = i
    }
    start = i + 1
  }
  // Nothing trimmed leaves from at 0: a trim always ends a slice at a segment end, past index 0.
  return from === 0 ? path : out + path.slice(from)
}

/** Where segment [start, end) ends once its trailing dots and spaces, plain or escaped, are removed. */
function trimmedEnd(path: string, start: number, end: number): number {
  while (end > start) {
    const c = path.charCodeAt(end - 1)
    if (c === DOT || c === SPACE) {
      end--
      continue
    }
    // A "%" three back always starts an escape: escapes are validated before this runs, and "%" is no hex digit.
    if (end - 3 >= start && path.charCodeAt(end - 3) === PERCENT && isDotOrSpaceEscape(path, end - 2)) {
      end -= 3
      continue
    }
    break
  }
  return end
}

/** `2E`, `2e` or `20` at `i`. */
function isDotOrSpaceEscape(path: string, i: number): boolean {
  if (path.charCodeAt(i) !== 0x32 /* 2 */) return false
  const c = path.charCodeAt(i + 1)
  return c === 0x45 /* E */ || c === 0x65 /* e */ || c === 0x30 /* 0 */
}

/** Segment [start, end) is `.` or `..`, each dot plain or as `%2E`/`%2e`. */
function isDotSegment(path: string, start: number, end: number): boolean {
  let dots = 0
  for (let i = start; i < end; dots++) {
    if (path.charCodeAt(i) === DOT) i++
    else if (path.charCodeAt(i) === PERCENT && path.charCodeAt(i + 1) === 0x32 && (path.charCodeAt(i + 2) | 0x20) === 0x65)
      i += 3
    else return false
  }
  return dots === 1 || dots === 2
}
