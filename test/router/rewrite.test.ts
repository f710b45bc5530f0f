import { describe, expect, it } from 'vitest'
import { createPathRewrite, type PathRewriteConfig } from '../../src/router/rewrite.ts'
import { createRouteTable } from '../../src/router/routes.ts'
import { req, rm } from './_helpers.ts'

/** Matches `target` against the single route `match`, then applies `rewrite` to the matched path. */
function rewritten(match: Record<string, unknown>, rewrite: PathRewriteConfig, target: string): string {
  const m = rm(match)
  const input = req(target)
  const hit = createRouteTable([m]).match(input)
  if (!hit) throw new Error(`${target} does not match ${JSON.stringify(match)}`)
  const fn = createPathRewrite(m, rewrite)
  if (!fn) throw new Error('no rewrite')
  return fn(input.path, hit)
}

describe('createPathRewrite: prefix_rewrite', () => {
  const cases: [string, Record<string, unknown>, string, string, string][] = [
    ['replaces the prefix', { prefix: '/api/v1' }, '/v2', '/api/v1/users', '/v2/users'],
    ['keeps the query out', { prefix: '/api' }, '/x', '/api/y?z=1', '/x/y'],
    // Envoy's trailing-slash trap: two routes map /prefix -> / and /prefix/etc -> /etc.
    ['"/prefix/" -> "/"', { prefix: '/prefix/' }, '/', '/prefix/etc', '/etc'],
    ['"/prefix" -> "/" leaves a double slash', { prefix: '/prefix' }, '/', '/prefix/etc', '//etc'],
    ['"/prefix" -> "/" on the bare prefix', { prefix: '/prefix' }, '/', '/prefix', '/'],
    ['exact replaces the whole path', { exact: '/old' }, '/new/place', '/old', '/new/place'],
    ['segment_prefix', { segment_prefix: '/api/dev' }, '/dev', '/api/dev/v1', '/dev/v1'],
    ['case-insensitive: same number of characters', { prefix: '/API', case_sensitive: false }, '/v2', '/api/Users', '/v2/Users'],
    ['empty prefix_rewrite strips the prefix', { prefix: '/strip' }, '', '/strip/me', '/me'],
  ]
  it.each(cases)('%s', (_name, match, prefix, target, want) => {
    expect(rewritten(match, { prefix_rewrite: prefix }, target)).toBe(want)
  })

  it('rejects prefix_rewrite with a regex or template match', () => {
    expect(() => createPathRewrite(rm({ regex: '/a.*' }), { prefix_rewrite: '/' })).toThrow(/prefix_rewrite/)
    expect(() => createPathRewrite(rm({ template: '/a/{x}' }), { prefix_rewrite: '/' })).toThrow(/prefix_rewrite/)
  })
})

describe('createPathRewrite: regex_rewrite (envoy.md §2.2)', () => {
  const cases: [string, string, string, string, string][] = [
    ['captures swap', '^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api', '/v1/api/instance/foo'],
    ['replace-all', 'one', 'two', '/xxx/one/yyy/one/zzz', '/xxx/two/yyy/two/zzz'],
    ['replace first only with a non-greedy prefix', '^(.*?)one(.*)$', '\\1two\\2', '/xxx/one/yyy/one/zzz', '/xxx/two/yyy/one/zzz'],
    ['case-insensitive with a class', '[Oo][Nn][Ee]', '1', '/One/oNe', '/1/1'],
    ['\\0 is the whole match', '[0-9]+', '<\\0>', '/a/12/b/3', '/a/<12>/b/<3>'],
    ['a literal $ stays literal', 'v1', '$1v2', '/v1/x', '/$1v2/x'],
    ['\\\\ is a backslash', 'x', '\\\\', '/x', '/\\'],
    ['no match leaves the path', '^/nomatch', '/y', '/a/b', '/a/b'],
  ]
  it.each(cases)('%s', (_name, pattern, substitution, path, want) => {
    expect(rewritten({ prefix: '/' }, { regex_rewrite: { pattern, substitution } }, path)).toBe(want)
  })

  it('reads \\10 as capture 1 then "0", as RE2 does, even with ten groups', () => {
    const pattern = '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)'
    expect(rewritten({ prefix: '/' }, { regex_rewrite: { pattern, substitution: '\\10' } }, '/abcdefghij')).toBe('/a0')
  })
  it('keeps other backslashes and $ as written, and an optional group that did not take part is ""', () => {
    expect(rewritten({ prefix: '/' }, { regex_rewrite: { pattern: '/(x)?(y)', substitution: '/[\\1]\\q$&\\2' } }, '/y')).toBe('/[]\\q$&y')
  })
  it('uses RE2 syntax: (?i) and named groups, replacing every match', () => {
    const rewrite = { regex_rewrite: { pattern: '(?i)(?P<v>v)1', substitution: '\\1-2' } }
    expect(rewritten({ prefix: '/' }, rewrite, '/V1/v1')).toBe('/V-2/v-2')
  })
  it('an adversarial pattern rewrites a 10,000-character path in linear time', () => {
    const path = `/${'a'.repeat(10_000)}!`
    const t0 = performance.now()
    expect(rewritten({ prefix: '/' }, { regex_rewrite: { pattern: '(a+)+b', substitution: 'x' } }, path)).toBe(path)
    expect(performance.now() - t0).toBeLessThan(500)
  })
})

describe('createPathRewrite: template_rewrite', () => {
  it('swaps captures (envoy.md §1.3: /{one}/{two} -> /{two}/{one})', () => {
    expect(rewritten({ template: '/{one}/{two}' }, { template_rewrite: '/{two}/{one}' }, '/cat/dog')).toBe('/dog/cat')
  })
  it('uses multi-segment captures and literals', () => {
    const match = { template: '/videos/{id}/{file=**}' }
    expect(rewritten(match, { template_rewrite: '/v2/media/{id}/{file}' }, '/videos/9/a/b.m4s')).toBe('/v2/media/9/a/b.m4s')
  })
  it('keeps the captured case of a case-insensitive match', () => {
    expect(rewritten({ template: '/U/{id}', case_sensitive: false }, { template_rewrite: '/users/{id}' }, '/u/AbC')).toBe('/users/AbC')
  })
  it('rejects a name the template does not capture, or a non-template match', () => {
    expect(() => createPathRewrite(rm({ template: '/a/{x}' }), { template_rewrite: '/{y}' })).toThrow(/\{y\}/)
    expect(() => createPathRewrite(rm({ prefix: '/a' }), { template_rewrite: '/{y}' })).toThrow(/template match/)
  })
})

describe('createPathRewrite: none', () => {
  it('returns undefined without a rewrite', () => {
    expect(createPathRewrite(rm({ prefix: '/' }), {})).toBeUndefined()
  })
})
