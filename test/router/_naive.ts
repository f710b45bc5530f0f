/** @module The reference route matcher for tests: a linear scan with path semantics written out longhand. */
import type { RouteMatch } from '../../src/config/schema.ts'
import { compileCookieMatch, compileHeaderMatch, compileQueryMatch, parseCookies, parseQuery } from '../../src/router/matchers.ts'
import type { MatchInput, RouteHit } from '../../src/router/routes.ts'
import { parseTemplate } from '../../src/router/template.ts'

/** The reference: every route in order, path semantics written out longhand, no index. */
export function createNaiveMatcher(routes: readonly RouteMatch[]) {
  const checks = routes.map((m) => {
    const cs = m.case_sensitive
    const fold = (s: string) => (cs ? s : s.toLowerCase())
    const re = m.regex !== undefined ? new RegExp(`^(?:${m.regex})$`) : undefined
    const t = m.template !== undefined ? parseTemplate(m.template) : undefined
    const tre = t ? new RegExp(t.source, cs ? '' : 'i') : undefined
    const headers = m.headers.map(compileHeaderMatch)
    const query = m.query_parameters.map(compileQueryMatch)
    const cookies = m.cookies.map(compileCookieMatch)
    return (input: MatchInput): Omit<RouteHit, 'index'> | undefined => {
      const path = input.path
      let hit: Omit<RouteHit, 'index'> | undefined
      if (m.exact !== undefined) hit = fold(path) === fold(m.exact) ? { params: {}, matchedPrefix: path } : undefined
      else if (m.prefix !== undefined)
        hit = fold(path).startsWith(fold(m.prefix)) ? { params: {}, matchedPrefix: path.slice(0, m.prefix.length) } : undefined
      else if (m.segment_prefix !== undefined) {
        const p = fold(m.segment_prefix)
        const ok = fold(path) === p || fold(path).startsWith(`${p}/`)
        hit = ok ? { params: {}, matchedPrefix: path.slice(0, p.length) } : undefined
      } else if (re) hit = re.test(path) ? { params: {} } : undefined
      else if (tre && t) {
        const found = tre.exec(path)
        hit = found ? { params: Object.fromEntries(t.names.map((n, i) => [n, found[i + 1] ?? ''])) } : undefined
      }
      if (!hit) return undefined
      if (m.methods.length && !m.methods.includes(input.method)) return undefined
      if (!headers.every((h) => h(input.headers))) return undefined
      if (!query.every((q) => q(parseQuery(input.search)))) return undefined
      if (!cookies.every((c) => c(parseCookies(input.headers.get('cookie'))))) return undefined
      return hit
    }
  })
  return (input: MatchInput): RouteHit | undefined => {
    for (let i = 0; i < checks.length; i++) {
      const hit = checks[i]!(input)
      if (hit) return { index: i, ...hit }
    }
    return undefined
  }
}
