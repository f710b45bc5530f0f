import { describe, expect, it } from 'vitest'
import { normalizePath, type PathOptions, type PathResult } from '../../src/http/path.ts'

/** Everything off: the Envoy options are set per constant, the origin-parser options stay at their default. */
const OFF: PathOptions = {
  normalize_path: false,
  merge_slashes: false,
  escaped_slashes: 'keep_unchanged',
  path_parameters: 'keep',
  trailing_dots_and_spaces: 'keep',
}
const CANONICAL: PathOptions = { ...OFF, normalize_path: true }
const MERGE_ONLY: PathOptions = { ...OFF, merge_slashes: true }
const UNESCAPE_ONLY: PathOptions = { ...OFF, escaped_slashes: 'unescape_and_forward' }
const EDGE: PathOptions = { ...OFF, normalize_path: true, merge_slashes: true, escaped_slashes: 'unescape_and_redirect' }

const ok = (path: string): PathResult => ({ kind: 'ok', path })
const REJECT = 'reject'

/** The same input as workerd hands it over: `new URL(...)` has already resolved `.`, `..`, `%2e` and `\`. */
const viaUrl = (raw: string) => {
  const url = new URL(`http://h${raw}`)
  return url.pathname + url.search
}

// security.md §2.2, from envoyproxy/envoy test/common/http/path_utility_test.cc, verbatim.
const CANONICAL_VECTORS: [input: string, expected: string | typeof REJECT][] = [
  ['/a/b/../c', '/a/c'],
  ['/a/b/./c', '/a/b/c'],
  ['a/b/../c', '/a/c'],
  ['/a/b/../../../../c', '/c'],
  ['/a/..\\c', '/c'],
  ['/a/b/%2E%2E/c', '/a/c'],
  ['/a/b/%2e%2e/c', '/a/c'],
  ['/a/b/%2E./c', '/a/c'],
  ['/a/b/%2E/c', '/a/b/c'],
  ['..', '/'],
  ['/../a/b', '/a/b'],
  ['/./a/b', '/a/b'],
  ['/A/B/C', '/A/B/C'],
  ['/%c0%af', '/%c0%af'],
  ['/%5c%25', '/%5c%25'],
  ['/a/%2F%2f/c', '/a/%2F%2f/c'],
  ['/xyz/.%00../abc', REJECT],
  ['/xyz/%00.%00./abc', REJECT],
  ['/xyz/AAAAA%%0000/abc', REJECT],
]

const MERGE_VECTORS: [string, string][] = [
  ['//a/b/c', '/a/b/c'],
  ['/a///b/c', '/a/b/c'],
  ['/a/b/c//', '/a/b/c/'],
  ['/a//b?a=///c', '/a/b?a=///c'],
  ['//a/?b', '/a/?b'],
]

const UNESCAPE_VECTORS: [string, string][] = [
  ['%2f%2F', '//'],
  ['/a%2Fb%2fc/', '/a/b/c/'],
  ['%2b', '%2b'],
]

describe('normalizePath: Envoy canonicalPath vectors (normalize_path)', () => {
  it.each(CANONICAL_VECTORS)('%s ⇒ %s', (input, expected) => {
    const result = normalizePath(input, CANONICAL)
    if (expected === REJECT) expect(result.kind).toBe('reject')
    else expect(result).toEqual(ok(expected))
  })

  it.each(CANONICAL_VECTORS.filter(([input]) => input.startsWith('/')))(
    'gives the same answer for %s after workerd URL parsing',
    (input, expected) => {
      const result = normalizePath(viaUrl(input), CANONICAL)
      if (expected === REJECT) expect(result.kind).toBe('reject')
      else expect(result).toEqual(ok(expected))
    }
  )

  it('names the reason for a rejection', () => {
    expect(normalizePath('/xyz/.%00../abc', CANONICAL)).toEqual({ kind: 'reject', reason: 'nul' })
    expect(normalizePath('/xyz/AAAAA%%0000/abc', CANONICAL)).toEqual({ kind: 'reject', reason: 'bad_escape' })
    expect(normalizePath('/a%2', CANONICAL)).toEqual({ kind: 'reject', reason: 'bad_escape' })
    expect(normalizePath('/a%g0', CANONICAL)).toEqual({ kind: 'reject', reason: 'bad_escape' })
    expect(normalizePath('/a\u0000b', CANONICAL)).toEqual({ kind: 'reject', reason: 'nul' })
  })

  it('rejects NUL and bad escapes even with normalization off', () => {
    const off = OFF
    expect(normalizePath('/a/%00', off).kind).toBe('reject')
    expect(normalizePath('/a/%x', off).kind).toBe('reject')
  })
})

describe('normalizePath: Envoy mergeSlashes vectors', () => {
  it.each(MERGE_VECTORS)('%s ⇒ %s', (input, expected) => {
    expect(normalizePath(input, MERGE_ONLY)).toEqual(ok(expected))
    expect(normalizePath(viaUrl(input), MERGE_ONLY)).toEqual(ok(expected))
  })
})

describe('normalizePath: Envoy unescapeSlashes vectors (unescape_and_forward)', () => {
  it.each(UNESCAPE_VECTORS)('%s ⇒ %s', (input, expected) => {
    expect(normalizePath(input, UNESCAPE_ONLY)).toEqual(ok(expected))
  })

  it('turns %5C into / when forwarding', () => {
    expect(normalizePath('/a%5Cb%5cc', UNESCAPE_ONLY)).toEqual(ok('/a/b/c'))
  })
})

// security.md §2.2, Envoy test/integration/header_integration_test.cc (routes /private and /public).
describe('normalizePath: Envoy path-sanitization integration assertions', () => {
  const routeFor = (path: string) => (path.startsWith('/private') ? 'private' : 'public')
  const expectOk = (result: PathResult, path: string, route: 'private' | 'public') => {
    expect(result).toEqual(ok(path))
    expect(routeFor(path)).toBe(route)
  }

  it('normalize_path=false routes /private/../public to private and forwards it unchanged (unsafe baseline)', () => {
    const opts = OFF
    expectOk(normalizePath('/private/../public', opts), '/private/../public', 'private')
  })

  it('normalize_path=true routes /private/../public to public and forwards /public', () => {
    expectOk(normalizePath('/private/../public', CANONICAL), '/public', 'public')
  })

  it('keep_unchanged forwards /private/..%2Fpublic%5c unchanged and routes it to private', () => {
    expectOk(normalizePath('/private/..%2Fpublic%5c', CANONICAL), '/private/..%2Fpublic%5c', 'private')
  })

  it('reject_request answers /private%2f../public with a rejection', () => {
    const opts: PathOptions = { ...CANONICAL, escaped_slashes: 'reject_request' }
    expect(normalizePath('/private%2f../public', opts)).toEqual({ kind: 'reject', reason: 'escaped_slash' })
  })

  it('unescape_and_forward + normalize forwards /private/..%2Fpublic%5c%2e%2Fabc as /public/abc', () => {
    const opts: PathOptions = { ...CANONICAL, escaped_slashes: 'unescape_and_forward' }
    expectOk(normalizePath('/private/..%2Fpublic%5c%2e%2Fabc', opts), '/public/abc', 'public')
  })

  it('unescape_and_redirect redirects /private%2f../%2e%5Cpublic to /private/../%2e\\public', () => {
    const opts: PathOptions = { ...CANONICAL, escaped_slashes: 'unescape_and_redirect' }
    const result = normalizePath('/private%2f../%2e%5Cpublic', opts)
    expect(result).toEqual({ kind: 'redirect', path: '/private/../%2e\\public' })
  })

  it('normalizes the re-request after the redirect to /public', () => {
    const location = '/private/../%2e\\public'
    expectOk(normalizePath(location, EDGE), '/public', 'public')
    expectOk(normalizePath(viaUrl(location), EDGE), '/public', 'public')
  })
})

describe('normalizePath: escaped slashes', () => {
  it.each([
    ['keep_unchanged', ok('/a%2Fb%5cc')],
    ['reject_request', { kind: 'reject', reason: 'escaped_slash' }],
    ['unescape_and_redirect', { kind: 'redirect', path: '/a/b\\c' }],
    ['unescape_and_forward', ok('/a/b/c')],
  ] as const)('%s', (action, expected) => {
    expect(normalizePath('/a%2Fb%5cc', { ...CANONICAL, escaped_slashes: action })).toEqual(expected)
  })

  it('keeps the query in the redirect target and does not look for slashes in it', () => {
    expect(normalizePath('/a%2fb?next=%2F', EDGE)).toEqual({ kind: 'redirect', path: '/a/b?next=%2F' })
    expect(normalizePath('/a/b?next=%2F', EDGE)).toEqual(ok('/a/b?next=%2F'))
  })

  it('does not redirect a path without escaped slashes', () => {
    expect(normalizePath('/a/%2e%2e/b', EDGE)).toEqual(ok('/b'))
  })
})

describe('normalizePath: RFC 3986 details', () => {
  it.each([
    ['/%41%62%2d%5f%7e%30%39', '/Ab-_~09'],
    ['/a/%7E', '/a/~'],
    ['/a/%252e%252e/b', '/a/%252e%252e/b'],
    ['/a/%25/b', '/a/%25/b'],
    ['/a/%2e.%2E/b', '/a/.../b'],
    ['/a/.../b', '/a/.../b'],
    ['/a/..;x/b', '/b'],
    ['/a/..;/b', '/b'],
    ['/a/b/.;jsessionid=1/c', '/a/b/c'],
    ['/a/%2e%2e;x/b', '/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/..', '/'],
    ['', '/'],
    ['/', '/'],
    ['/%E2%82%AC/%c3%a9', '/%E2%82%AC/%c3%a9'],
    ['/a/b#frag', '/a/b'],
    ['/a/b?q=1#frag', '/a/b?q=1'],
    ['/a/../b?x=/../..&y=%00', '/b?x=/../..&y=%00'],
  ])('%s ⇒ %s', (input, expected) => {
    expect(normalizePath(input, CANONICAL)).toEqual(ok(expected))
  })

  it('leaves the path alone when both normalize_path and merge_slashes are off', () => {
    const off = OFF
    expect(normalizePath('//a/./b/../%2e%41\\c', off)).toEqual(ok('//a/./b/../%2e%41\\c'))
  })

  it('removes dot segments before merging slashes (Envoy order)', () => {
    expect(normalizePath('/a//../b', EDGE)).toEqual(ok('/a/b'))
    expect(normalizePath('//..//a', EDGE)).toEqual(ok('/a'))
  })

  it('is idempotent on every accepted vector', () => {
    const inputs = [...CANONICAL_VECTORS.map(([i]) => i), ...MERGE_VECTORS.map(([i]) => i), '/a/..;x//b/%2e/c%7e']
    for (const input of inputs) {
      const first = normalizePath(input, EDGE)
      if (first.kind !== 'ok') continue
      expect(normalizePath(first.path, EDGE)).toEqual(first)
    }
  })
})
