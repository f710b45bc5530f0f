// validateConfig refuses regexes RE2 cannot run in linear time, at the field that holds them, with the reason.
import { describe, expect, it } from 'vitest'
import { formatIssues } from '../../src/config/issues.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { createRegistry } from '../../src/filters/registry.ts'

const filters = createRegistry()

/** A table with a regex in every place config takes one, each set to `re` (rewrites keep one capture group). */
function table(re: string) {
  return {
    http_filters: [{ name: 'cors', config: { allow_origin_string_match: [{ regex: re }] } }],
    clusters: [{ name: 'c', endpoints: [{ url: 'http://127.0.0.1:9001' }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          { match: { regex: re }, forward: { cluster: 'c' } },
          {
            match: {
              prefix: '/m',
              headers: [{ name: 'x-h', regex: re }],
              query_parameters: [{ name: 'q', regex: re }],
              cookies: [{ name: 'k', regex: re }],
            },
            forward: { cluster: 'c', regex_rewrite: { pattern: re, substitution: '/x' } },
          },
          { match: { prefix: '/r' }, redirect: { regex_rewrite: { pattern: re, substitution: '/y' } } },
        ],
      },
    ],
  }
}

const FIELDS = [
  'http_filters[0].config.allow_origin_string_match[0].regex',
  'virtual_hosts[0].routes[0].match.regex',
  'virtual_hosts[0].routes[1].match.headers[0].regex',
  'virtual_hosts[0].routes[1].match.query_parameters[0].regex',
  'virtual_hosts[0].routes[1].match.cookies[0].regex',
  'virtual_hosts[0].routes[1].forward.regex_rewrite.pattern',
  'virtual_hosts[0].routes[2].redirect.regex_rewrite.pattern',
]

describe('config regexes are RE2', () => {
  it('accepts the same table with an RE2 pattern, including RE2-only syntax', () => {
    for (const re of ['/(a+)+', '(?i)/api/(?P<v>v[0-9]+)', '[[:alpha:]]+'])
      expect(validateConfig(table(re), filters), re).toMatchObject({ ok: true })
  })

  const refused: [string, string][] = [
    ['(a)\\1', 'backreference \\1 is not supported: Legate matches regexes with RE2 semantics in linear time'],
    ['/(?=x)x', 'lookahead (?=…) is not supported'],
    ['/(?!x)y', 'negative lookahead (?!…) is not supported'],
    ['/(?<=a)b', 'lookbehind'],
    ['/a++', 'possessive quantifier ++ is not supported'],
    ['/(x{1,300}){3}', 'exceeds the limit of 1000 (RE2 max_program_size)'],
  ]
  it.each(refused)('refuses %j at every field that holds it', (re, reason) => {
    const r = validateConfig(table(re), filters)
    expect(r.ok).toBe(false)
    if (r.ok) return
    const lines = formatIssues(r.issues).split('\n')
    for (const field of FIELDS) {
      const line = lines.find((l) => l.startsWith(`${field}: `))
      expect(line, `${field} in\n${lines.join('\n')}`).toBeDefined()
      expect(line).toContain(`invalid regex ${JSON.stringify(re)}: `)
      expect(line).toContain(reason)
    }
  })

  it('counts capture groups as RE2 does for substitutions: named groups count, (?:…) does not', () => {
    const withRewrite = (pattern: string, substitution: string) => ({
      clusters: [{ name: 'c', endpoints: [{ url: 'http://127.0.0.1:9001' }] }],
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, forward: { cluster: 'c', regex_rewrite: { pattern, substitution } } }] }],
    })
    expect(validateConfig(withRewrite('^/(?P<a>[^/]+)/(x)$', '/\\2/\\1'), filters).ok).toBe(true)
    const r = validateConfig(withRewrite('^/(?:a)/(x)$', '/\\2'), filters)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(formatIssues(r.issues)).toContain('virtual_hosts[0].routes[0].forward.regex_rewrite.substitution: substitution refers to \\2 but the pattern has 1 capture group(s)')
  })

  it('validates a giant pattern quickly and refuses it', () => {
    const t0 = performance.now()
    const r = validateConfig(table(`/(${Array.from({ length: 5_000 }, (_, i) => `k${i}`).join('|')})`), filters)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(formatIssues(r.issues)).toMatch(/routes\[0\]\.match\.regex: invalid regex .* program size \d+ exceeds the limit of 1000/)
    expect(performance.now() - t0).toBeLessThan(2_000)
  })
})
