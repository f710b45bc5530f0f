import { describe, expect, it } from 'vitest'
import { hasTopLevelAlternation, regexLiteralPrefix } from '../../src/router/_regex-prefix.ts'

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
  ]
  it.each(cases)('%j gives %s', (source, want) => {
    expect(hasTopLevelAlternation(source)).toBe(want)
  })
})
