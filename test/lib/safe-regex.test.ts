import { describe, expect, it } from 'vitest'
import {
  captureGroups,
  checkSafeRegex,
  compileCaptures,
  compileFullMatch,
  compileSearch,
  compileSubstitution,
  MAX_PROGRAM_SIZE,
} from '../../src/lib/safe-regex.ts'

const ms = (fn: () => unknown) => {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

describe('checkSafeRegex', () => {
  const refused: [string, RegExp][] = [
    ['(?=a)b', /lookahead \(\?=…\) is not supported: Legate matches regexes with RE2 semantics in linear time/],
    ['a(?!b)', /negative lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /lookbehind/],
    ['(a)\\1', /backreference \\1 is not supported/],
    ['(?<n>a)\\k<n>', /named backreference/],
    ['a++', /possessive quantifier \+\+/],
    ['a*+', /possessive quantifier \*\+/],
    ['a{2}+', /possessive quantifier \{2\}\+/],
    ['(?>a)', /atomic group/],
    ['[^]', /missing closing ]: .*\(RE2 syntax\)/],
    ['\\u0041', /invalid escape sequence/],
    ['a{1001}', /invalid repeat count/],
    ['(x{1,300}){3}', new RegExp(`program size \\d+ exceeds the limit of ${MAX_PROGRAM_SIZE}`)],
  ]
  it.each(refused)('refuses %j with the reason', (source, reason) => {
    const err = checkSafeRegex(source)
    expect(err).toMatch(reason)
    expect(err).toContain(`invalid regex ${JSON.stringify(source)}`)
  })

  it('accepts RE2 syntax, including what V8 lacks or reads differently', () => {
    for (const s of ['(?i)abc', '(?P<id>[0-9]+)', '\\pL+', '[[:alpha:]]+', '\\x{41}', '\\Q.*\\E', '[a-zA-Z0-9._-]{0,200}', '(a+)+'])
      expect(checkSafeRegex(s), s).toBeUndefined()
  })

  it('counts capture groups as RE2 does, and gives undefined for an invalid pattern', () => {
    expect(captureGroups('(a)(?:b)(?P<n>c)(?<m>d)')).toBe(3)
    expect(captureGroups('(?=a)')).toBeUndefined()
  })
})

describe('compileFullMatch', () => {
  it('matches the whole input (Envoy safe_regex), with optional case folding', () => {
    const alt = compileFullMatch('a|ab')
    expect([alt('ab'), alt('a'), alt('abc'), alt('xab')]).toEqual([true, true, false, false])
    expect(compileFullMatch('/API/v[0-9]+')('/api/V2')).toBe(false)
    expect(compileFullMatch('/API/v[0-9]+', { ignoreCase: true })('/api/V2')).toBe(true)
    expect(compileFullMatch('(?i)/api')('/API')).toBe(true)
  })

  it('refuses to compile what validation refuses', () => {
    expect(() => compileFullMatch('(a)\\1')).toThrow(/backreference/)
  })

  it.each([30, 10_000])('answers adversarial patterns on a %i-character input in milliseconds', (n) => {
    const a = 'a'.repeat(n)
    const cases: [string, string][] = [
      ['/(a+)+', `/${a}!`],
      ['(a+)+', `${a}!`],
      ['https://(a+)+', `https://${a}!`],
      ['(a|aa)+', `${a}!`],
      ['(.*a){12}', a.replace(/a/g, 'b')],
    ]
    for (const [source, input] of cases) {
      const test = compileFullMatch(source)
      expect(ms(() => expect(test(input)).toBe(false)), source).toBeLessThan(500)
    }
  })
})

describe('compileSearch', () => {
  it('matches anywhere, as the stats filter does', () => {
    const s = compileSearch('downstream_rq_[0-9]xx')
    expect(s.test('http.downstream_rq_2xx')).toBe(true)
    expect(s.test('http.upstream_rq_2xx')).toBe(false)
  })
})

describe('compileCaptures', () => {
  it('returns the groups of a full match, "" for a group that did not take part', () => {
    expect(compileCaptures('/u/([^/]+)(/x)?')('/u/42')).toEqual(['/u/42', '42', ''])
    expect(compileCaptures('/u/([^/]+)')('/u/42/more')).toBeUndefined()
    expect(compileCaptures('/U/([^/]+)', { ignoreCase: true })('/u/AbC')).toEqual(['/u/AbC', 'AbC'])
  })
})

describe('compileSubstitution (Envoy regex_rewrite)', () => {
  const cases: [string, string, string, string][] = [
    ['^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api', '/v1/api/instance/foo'],
    ['one', 'two', '/one/one', '/two/two'],
    ['^(.*?)one(.*)$', '\\1two\\2', '/one/one', '/two/one'],
    ['[0-9]+', '<\\0>', '/a/12/b/3', '/a/<12>/b/<3>'],
    ['v1', '$1$&v2', '/v1', '/$1$&v2'],
    ['x', '\\\\', '/x', '/\\'],
    ['(a)', '\\1\\9', '/a', '/a'], // a missing group gives "" (validation refuses it), never the offset
  ]
  it.each(cases)('%j with %j rewrites %j', (pattern, substitution, input, want) => {
    expect(compileSubstitution(pattern, substitution)(input)).toBe(want)
  })

  it('rewrites a 10,000-character path with an adversarial pattern in linear time', () => {
    const path = `/${'a'.repeat(10_000)}!`
    const rewrite = compileSubstitution('(a+)+b', 'x')
    expect(ms(() => expect(rewrite(path)).toBe(path))).toBeLessThan(500)
  })
})
