import { describe, expect, it } from 'vitest'
import { hasTopLevelAlternation, regexLiteralPrefix } from '../../src/router/_regex-prefix.ts'
import { createRouteTable } from '../../src/router/routes.ts'
import { req, rm } from './_helpers.ts'

describe('regexLiteralPrefix', () => {
  const cases: [string, string][] = [
    ['/api/v[0-9]+/users', '/api/v'],
    ['^/api/.*', '/api/'],
    ['/api/users', '/api/users'],
    ['/ab?c', '/a'], // b is optional: dropped
    ['/ab*', '/a'],
    ['/ab+', '/a'],
    ['/ab{2}', '/a'],
    ['\\/api\\/x', '/api/x'], // identity escapes are literals
    ['/a\\.json', '/a.json'],
    ['/a\\d+', '/a'], // class escape stops
    ['/a\\bc', '/a'],
    ['/(a|b)/c', '/'],
    ['/a|/b', ''], // top-level alternation: no common prefix
    ['(/a|/b)', ''],
    ['[/]a', ''],
    ['.*', ''],
    ['/a$', '/a'],
    ['/a\\?', '/a?'],
    ['/a\\?*', '/a'],
    ['/x\\', '/x'],
    // RE2-only syntax stops the prefix where it starts.
    ['(?i)/api', ''],
    ['/api(?i)/x', '/api'],
    ['/a\\x41', '/a'],
    ['/a\\x{41}', '/a'],
    ['/a\\pL', '/a'],
    ['/a\\Qb', '/a'],
    ['/a[])]|/b', ''],
    ['/a[[:alpha:])]|/b', ''],
    ['/a\\Q)\\E|/b', ''],
  ]
  it.each(cases)('%j gives %j', (source, want) => {
    expect(regexLiteralPrefix(source)).toBe(want)
  })
})

describe('hasTopLevelAlternation', () => {
  const cases: [string, boolean][] = [
    ['a|b', true],
    ['(a|b)', false],
    ['(a)|b', true],
    ['[|]', false],
    ['\\|', false],
    ['[\\]|]', false],
    ['(a(b|c))d', false],
    // RE2 syntax: "]" first in a class is a literal, [:alpha:] does not close a class, \Q…\E quotes.
    ['/a[])]|/b', true],
    ['/a[^])]|/b', true],
    ['/a[[:alpha:])]|/b', true],
    ['/a\\Q)\\E|/b', true],
    ['/a\\Q|\\E', false],
    ['/x[^]|]/y', false],
    ['[]|]', false],
  ]
  it.each(cases)('%j gives %s', (source, want) => {
    expect(hasTopLevelAlternation(source)).toBe(want)
  })
})

describe('the route index with RE2 regexes', () => {
  // Each route must still be found for every path its regex fully matches, whatever its literal prefix.
  const cases: [string, string[]][] = [
    ['/a[])]|/b', ['/b', '/a)']],
    ['/a[[:alpha:])]|/b', ['/b', '/ax', '/a)']],
    ['/a\\Q)\\E|/b', ['/b', '/a)']],
    ['(?i)/API/v[0-9]+', ['/api/v1', '/Api/V2']],
    ['/api(?i)/USERS', ['/api/users']],
    ['/x[^]|]/y', ['/xa/y']],
  ]
  it.each(cases)('%j is found for %j', (regex, paths) => {
    const table = createRouteTable([rm({ regex }), rm({ prefix: '/' })])
    for (const path of paths) expect(table.match(req(path))?.index, path).toBe(0)
    expect(table.match(req('/zzz'))?.index).toBe(1)
  })
})
