import { describe, expect, it } from 'vitest'
import { cookieMatch, headerMatch, queryMatch, stringMatch } from '../../src/config/primitives.ts'
import {
  compileCookieMatch,
  compileHeaderMatch,
  compileQueryMatch,
  compileStringMatch,
  parseCookies,
  parseQuery,
} from '../../src/router/matchers.ts'

describe('compileStringMatch', () => {
  const cases: [Record<string, unknown>, string, boolean][] = [
    [{ exact: 'abc' }, 'abc', true],
    [{ exact: 'abc' }, 'ABC', false],
    [{ exact: 'abc', ignore_case: true }, 'ABC', true],
    [{ exact: '' }, '', true],
    [{ exact: '' }, 'x', false],
    [{ prefix: '/api' }, '/api/v1', true],
    [{ prefix: '/api' }, '/API/v1', false],
    [{ prefix: '/API', ignore_case: true }, '/api/v1', true],
    [{ suffix: '.json' }, 'a.json', true],
    [{ suffix: '.json' }, 'a.JSON', false],
    [{ suffix: '.json', ignore_case: true }, 'a.JSON', true],
    [{ contains: 'mid' }, 'xmidy', true],
    [{ contains: 'mid' }, 'xMIDy', false],
    [{ contains: 'MID', ignore_case: true }, 'xmidy', true],
    [{ regex: 'a+b' }, 'aab', true],
    [{ regex: 'a+b' }, 'xaab', false], // full match, not a search
    [{ regex: 'a+b' }, 'aabx', false],
    [{ regex: 'a|ab' }, 'ab', true], // alternation is grouped before anchoring
    [{ regex: 'a+b' }, 'AAB', false],
    [{ regex: 'a+b', ignore_case: true }, 'AAB', true], // our schema: ignore_case applies to regex
  ]
  it.each(cases)('%j on %j gives %s', (m, value, want) => {
    expect(compileStringMatch(stringMatch.parse(m))(value)).toBe(want)
  })
})

describe('compileHeaderMatch', () => {
  const h = (init: [string, string][]) => {
    const headers = new Headers()
    for (const [k, v] of init) headers.append(k, v)
    return headers
  }
  const cases: [string, Record<string, unknown>, [string, string][], boolean][] = [
    ['no specifier means present', { name: 'x-a' }, [['x-a', '']], true],
    ['no specifier fails when absent', { name: 'x-a' }, [], false],
    ['present: true', { name: 'x-a', present: true }, [['x-a', '1']], true],
    ['present: false when absent', { name: 'x-a', present: false }, [], true],
    ['present: false when present', { name: 'x-a', present: false }, [['x-a', '1']], false],
    ['present: true inverted, absent', { name: 'x-a', present: true, invert: true }, [], true],
    ['present: false inverted, present', { name: 'x-a', present: false, invert: true }, [['x-a', '1']], true],
    ['names are case-insensitive', { name: 'X-Env', exact: 'canary' }, [['x-env', 'canary']], true],
    ['exact', { name: 'x-env', exact: 'canary' }, [['x-env', 'prod']], false],
    ['exact ignore_case', { name: 'x-env', exact: 'Canary', ignore_case: true }, [['x-env', 'CANARY']], true],
    ['prefix', { name: 'x-v', prefix: 'v1.' }, [['x-v', 'v1.2']], true],
    ['suffix', { name: 'x-v', suffix: '-rc' }, [['x-v', '2-rc']], true],
    ['contains', { name: 'user-agent', contains: 'bot' }, [['user-agent', 'googlebot/2']], true],
    ['regex full match', { name: 'x-id', regex: '[0-9]+' }, [['x-id', '123']], true],
    ['regex is not a search', { name: 'x-id', regex: '[0-9]+' }, [['x-id', 'a123']], false],
    ['invert', { name: 'x-env', exact: 'prod', invert: true }, [['x-env', 'canary']], true],
    ['invert on a match', { name: 'x-env', exact: 'prod', invert: true }, [['x-env', 'prod']], false],
    ['missing fails even inverted', { name: 'x-env', exact: 'prod', invert: true }, [], false],
    ['treat_missing_as_empty + invert', { name: 'x-env', exact: 'prod', invert: true, treat_missing_as_empty: true }, [], true],
    ['treat_missing_as_empty matches ""', { name: 'x-env', exact: '', treat_missing_as_empty: true }, [], true],
    ['treat_missing_as_empty + prefix', { name: 'x-env', prefix: 'p', treat_missing_as_empty: true }, [], false],
    // Several lines of one header are matched as Headers.get() joins them: "a, b".
    ['multiple lines are joined with ", "', { name: 'x-m', exact: 'a, b' }, [['x-m', 'a'], ['x-m', 'b']], true],
    ['multiple lines: exact on one line fails', { name: 'x-m', exact: 'a' }, [['x-m', 'a'], ['x-m', 'b']], false],
    ['multiple lines: contains sees all', { name: 'x-m', contains: 'b' }, [['x-m', 'a'], ['x-m', 'b']], true],
  ]
  it.each(cases)('%s', (_name, m, init, want) => {
    expect(compileHeaderMatch(headerMatch.parse(m))(h(init))).toBe(want)
  })
})

describe('parseQuery', () => {
  it('keeps the first value of a repeated key, undecoded, and "" for a bare key', () => {
    const q = parseQuery('?a=1&a=2&b&c=x%20y&d=&e=1=2&&')
    expect(Object.fromEntries(q)).toEqual({ a: '1', b: '', c: 'x%20y', d: '', e: '1=2' })
  })
  it('accepts no leading "?" and an empty string', () => {
    expect(Object.fromEntries(parseQuery('x=1'))).toEqual({ x: '1' })
    expect(parseQuery('').size).toBe(0)
    expect(parseQuery('?').size).toBe(0)
  })
})

describe('compileQueryMatch', () => {
  const cases: [string, Record<string, unknown>, string, boolean][] = [
    ['no specifier means present', { name: 'debug' }, '?debug', true],
    ['absent', { name: 'debug' }, '?x=1', false],
    ['present: false', { name: 'debug', present: false }, '?x=1', true],
    ['exact on the first value', { name: 'v', exact: '1' }, '?v=1&v=2', true],
    ['second value is ignored', { name: 'v', exact: '2' }, '?v=1&v=2', false],
    ['value is not decoded', { name: 'q', exact: 'a b' }, '?q=a%20b', false],
    ['raw value', { name: 'q', exact: 'a%20b' }, '?q=a%20b', true],
    ['bare key has ""', { name: 'flag', exact: '' }, '?flag', true],
    ['regex', { name: 'page', regex: '[0-9]+' }, '?page=12', true],
    ['ignore_case', { name: 'mode', exact: 'FAST', ignore_case: true }, '?mode=fast', true],
    ['invert, missing fails', { name: 'mode', exact: 'x', invert: true }, '', false],
    ['invert, treat_missing_as_empty', { name: 'mode', exact: 'x', invert: true, treat_missing_as_empty: true }, '', true],
    ['names are case-sensitive', { name: 'Mode', present: true }, '?mode=1', false],
  ]
  it.each(cases)('%s', (_name, m, search, want) => {
    expect(compileQueryMatch(queryMatch.parse(m))(parseQuery(search))).toBe(want)
  })
})

describe('parseCookies', () => {
  it('keeps the first occurrence, trims, unquotes and skips pairs without "="', () => {
    const c = parseCookies('a=1; b="two"; a=3;flag; c=x=y;  d = 4 ;e=')
    expect(Object.fromEntries(c)).toEqual({ a: '1', b: 'two', c: 'x=y', d: '4', e: '' })
  })
  it('handles a missing header', () => {
    expect(parseCookies(null).size).toBe(0)
  })
})

describe('compileCookieMatch', () => {
  const cases: [string, Record<string, unknown>, string | null, boolean][] = [
    ['present', { name: 'session' }, 'session=abc', true],
    ['absent', { name: 'session' }, 'other=1', false],
    ['no Cookie header', { name: 'session' }, null, false],
    ['exact', { name: 'ab', exact: 'b' }, 'ab=b; x=1', true],
    ['first occurrence wins', { name: 'ab', exact: 'b' }, 'ab=a; ab=b', false],
    ['prefix', { name: 'ab', prefix: 'exp-' }, 'ab=exp-7', true],
    ['invert of an absent cookie fails', { name: 'ab', exact: 'a', invert: true }, 'x=1', false],
    ['invert of present: absent cookie matches', { name: 'ab', present: true, invert: true }, 'x=1', true],
    ['quoted value', { name: 'q', exact: 'v' }, 'q="v"', true],
  ]
  it.each(cases)('%s', (_name, m, header, want) => {
    expect(compileCookieMatch(cookieMatch.parse(m))(parseCookies(header))).toBe(want)
  })
})
