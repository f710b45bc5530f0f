import { describe, expect, it } from 'vitest'
import { normalizePath, type PathOptions, type PathResult } from '../../src/http/path.ts'

/** The gateway defaults: Envoy's edge settings, origin-parser options at keep. */
const DEFAULTS: PathOptions = {
  normalize_path: true,
  merge_slashes: true,
  escaped_slashes: 'unescape_and_redirect',
  path_parameters: 'keep',
  trailing_dots_and_spaces: 'keep',
}
const STRIP: PathOptions = { ...DEFAULTS, path_parameters: 'strip', trailing_dots_and_spaces: 'strip' }
const REJECT: PathOptions = { ...DEFAULTS, path_parameters: 'reject', trailing_dots_and_spaces: 'reject' }

const ok = (path: string): PathResult => ({ kind: 'ok', path })
/** As workerd hands the path over: `new URL(...)` has encoded spaces and resolved `.`, `..` and `%2e`. */
const viaUrl = (raw: string) => {
  const url = new URL(`http://h${raw}`)
  return url.pathname + url.search
}

describe('path_parameters', () => {
  it.each([
    ['/admin;jsessionid=1', '/admin'],
    ['/admin;/x', '/admin/x'],
    ['/;/admin', '/admin'], // //admin, then merge_slashes
    ['/a;x;y=1/b;z/c', '/a/b/c'],
    ['/admin;', '/admin'],
    ['/..;/admin', '/admin'],
    ['/public/..;x/admin', '/admin'],
    ['/admin;x?q=;1', '/admin?q=;1'], // the query is not a path
    ['/admin%3Bx', '/admin%3Bx'], // an escaped ";" is data: Tomcat and Spring strip before decoding
  ])('strip: %s ⇒ %s', (input, expected) => {
    expect(normalizePath(input, STRIP)).toEqual(ok(expected))
    expect(normalizePath(viaUrl(input), STRIP)).toEqual(ok(expected))
  })

  it('strip without merge_slashes leaves the empty segment of /;/admin', () => {
    expect(normalizePath('/;/admin', { ...STRIP, merge_slashes: false })).toEqual(ok('//admin'))
  })

  it('reject answers any ";" in the path, and only in the path', () => {
    for (const p of ['/admin;jsessionid=1', '/admin;/x', '/;/admin', '/..;/admin'])
      expect(normalizePath(p, REJECT), p).toEqual({ kind: 'reject', reason: 'path_parameters' })
    expect(normalizePath('/admin?a=;b', REJECT)).toEqual(ok('/admin?a=;b'))
    expect(normalizePath('/admin%3b', REJECT)).toEqual(ok('/admin%3b'))
  })

  it('keep (the default) routes ;params as data, except the ..;x segment Envoy already strips', () => {
    expect(normalizePath('/admin;jsessionid=1', DEFAULTS)).toEqual(ok('/admin;jsessionid=1'))
    expect(normalizePath('/;/admin', DEFAULTS)).toEqual(ok('/;/admin'))
    expect(normalizePath('/public/..;x/admin', DEFAULTS)).toEqual(ok('/admin'))
  })
})

describe('trailing_dots_and_spaces', () => {
  it.each([
    ['/admin.', '/admin'],
    ['/admin%20', '/admin'],
    ['/admin. .', '/admin'], // the space arrives as %20
    ['/admin%2e', '/admin'],
    ['/admin.%20%2E/x', '/admin/x'],
    ['/admin./', '/admin/'],
    ['/a.../b. /c', '/a/b/c'],
    ['/.../admin', '/admin'], // an all-dots segment empties; merge_slashes collapses it
    ['/public/..%20/admin', '/public/admin'], // not a dot segment: emptied, and the origin is sent the result
    ['/v1.2/x', '/v1.2/x'],
    ['/a%2520', '/a%2520'], // %25 is a literal "%", not the start of %20
    ['/a/./b/../c', '/a/c'],
    ['/admin.?q=.%20', '/admin?q=.%20'],
  ])('strip: %s ⇒ %s', (input, expected) => {
    expect(normalizePath(viaUrl(input), STRIP)).toEqual(ok(expected))
  })

  it('strip works on raw targets too (a raw space, %2e with normalize_path off)', () => {
    expect(normalizePath('/admin . ', STRIP)).toEqual(ok('/admin'))
    const raw: PathOptions = { ...STRIP, normalize_path: false }
    expect(normalizePath('/admin%2E%2e', raw)).toEqual(ok('/admin'))
    expect(normalizePath('/a/%2e%2e/b', raw)).toEqual(ok('/a/%2e%2e/b')) // a dot segment, not trailing dots
    expect(normalizePath('/a/./b/../c', raw)).toEqual(ok('/a/./b/../c'))
  })

  it('reject answers a segment ending in a dot or space, never a dot segment', () => {
    for (const p of ['/admin.', '/admin%20', '/admin.%20.', '/a./b', '/a/...', '/a/..%20/b'])
      expect(normalizePath(p, REJECT), p).toEqual({ kind: 'reject', reason: 'trailing_dot_or_space' })
    for (const p of ['/a/./b', '/a/../b', '/a/%2e%2e/b', '/v1.2', '/.well-known/x', '/a%20b'])
      expect(normalizePath(p, REJECT).kind, p).toBe('ok')
  })

  it('keep (the default) routes trailing dots and spaces as data', () => {
    expect(normalizePath(viaUrl('/admin. .'), DEFAULTS)).toEqual(ok('/admin.%20.'))
  })

  it('is idempotent with both options on strip', () => {
    for (const p of ['/admin;x. /y', '/a.;b/c%20;d', '/;/.../admin.', '/x/..%20;y/admin'])
      for (const opts of [STRIP, { ...STRIP, merge_slashes: false }]) {
        const first = normalizePath(p, opts)
        expect(first.kind, p).toBe('ok')
        if (first.kind === 'ok') expect(normalizePath(first.path, opts), p).toEqual(first)
      }
  })
})
