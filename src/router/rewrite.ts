/**
 * @module Path rewrites (Envoy RouteAction `prefix_rewrite`, `regex_rewrite`, URI-template rewrite), compiled once
 * per route. The rewritten path excludes the query; the caller keeps the original path (x-envoy-original-path).
 */
import type { RouteMatch } from '../config/schema.ts'
import type { RouteHit } from './routes.ts'
import { compileSubstitution } from '../lib/safe-regex.ts'
import { parseTemplate } from './template.ts'

/** The rewrite fields of a forward action (at most one is set; validation enforces it). */
export interface PathRewriteConfig {
  prefix_rewrite?: string
  regex_rewrite?: { pattern: string; substitution: string }
  template_rewrite?: string
}

/** A compiled rewrite: the matched path and its hit in, the upstream path out. */
export type PathRewrite = (path: string, hit: RouteHit) => string

/** Splits `/v2/{id}/x` into literal parts and names: parts.length === names.length + 1. */
function compileTemplateRewrite(rewrite: string, captured: readonly string[]) {
  const parts: string[] = []
  const names: string[] = []
  let last = 0
  for (const m of rewrite.matchAll(/\{([^}]*)\}/g)) {
    const name = m[1]!
    if (!captured.includes(name))
      throw new Error(`template_rewrite {${name}} is not captured by the match template (captures: ${captured.join(', ') || 'none'})`)
    parts.push(rewrite.slice(last, m.index))
    names.push(name)
    last = m.index + m[0].length
  }
  parts.push(rewrite.slice(last))
  return { parts, names }
}

/**
 * Compiles a route's path rewrite, or returns undefined when it has none. Envoy semantics:
 * - `prefix_rewrite` replaces the matched prefix, or the whole path for an `exact` match. For a
 *   case-insensitive match it replaces as many characters as the configured prefix has.
 * - `regex_rewrite` replaces all matches (RE2, linear time); `\1`..`\9` in the substitution are captures,
 *   `\0` the whole match, `\\` a backslash.
 * - `template_rewrite` substitutes `{name}` with the template's captures.
 * @param match - the route's match; decides what prefix_rewrite replaces and which names templates capture.
 * @param rewrite - the forward (or redirect) action; only the rewrite fields are read.
 * @throws Error on combinations validation rejects (prefix_rewrite with regex/template, template_rewrite
 *   without a template match or with a name the template does not capture).
 * @example createPathRewrite(match, { prefix_rewrite: '/v2' })!('/v1/users', hit) // '/v2/users' for prefix '/v1'
 */
export function createPathRewrite(match: RouteMatch, rewrite: PathRewriteConfig): PathRewrite | undefined {
  const { prefix_rewrite: prefix, regex_rewrite: regex, template_rewrite: template } = rewrite
  if (prefix !== undefined) {
    if (match.exact !== undefined) return () => prefix
    const matched = match.prefix ?? match.segment_prefix
    if (matched === undefined) throw new Error('prefix_rewrite needs an exact, prefix or segment_prefix match')
    const len = matched.length
    return (path, hit) => prefix + path.slice(hit.matchedPrefix?.length ?? len)
  }
  if (regex !== undefined) {
    return compileSubstitution(regex.pattern, regex.substitution)
  }
  if (template !== undefined) {
    if (match.template === undefined) throw new Error('template_rewrite needs a template match')
    const { parts, names } = compileTemplateRewrite(template, parseTemplate(match.template).names)
    return (_path, hit) => {
      let out = parts[0]!
      for (let i = 0; i < names.length; i++) out += (hit.params[names[i]!] ?? '') + parts[i + 1]!
      return out
    }
  }
  return undefined
}
