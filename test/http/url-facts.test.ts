import { describe, expect, it } from 'vitest'

// What workerd's WHATWG URL parser (ada) does to a path before the gateway sees it. normalizePath does not rely on
// any of this (a raw target must work too), but the facts decide which vectors can reach it via request.url.
describe('workerd URL parsing facts', () => {
  it.each([
    ['http://x/a/%2e%2e/b', '/b'], // encoded dot segments ARE resolved (WHATWG treats %2e as ".")
    ['http://x/a/.%2E/b', '/b'],
    ['http://x/a/%2e/b', '/a/b'],
    ['http://x/a/../b', '/b'],
    ['http://x/a\\b', '/a/b'], // backslash becomes a slash for special schemes
    ['http://x//a//b', '//a//b'], // repeated slashes are kept
    ['http://x/a/..;x/b', '/a/..;x/b'], // Tomcat path parameters are not understood
    ['http://x/a/..%2f/b', '/a/..%2f/b'], // escaped slashes stay escaped, case kept
    ['http://x/a/%5C/b', '/a/%5C/b'],
    ['http://x/A%7e%41', '/A%7e%41'], // unreserved escapes are not decoded
    ['http://x/a/%00', '/a/%00'], // NUL and bad escapes pass through
    ['http://x/a/%zz', '/a/%zz'],
    ['http://x/a#frag', '/a'],
    ['http://x/a b', '/a%20b'],
  ])('new URL(%s).pathname is %s', (input, pathname) => {
    expect(new URL(input).pathname).toBe(pathname)
  })

  it('new Request() normalizes its url the same way', () => {
    expect(new Request('http://x/a/%2e%2e/b').url).toBe('http://x/b')
  })
})
