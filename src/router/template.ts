/**
 * @module URI templates (Envoy uri_template): `*` one segment, `**` zero or more segments (last operator only),
 * `{name}` = `{name=*}`, `{name=**}`, `{name=videos/*}`. Compiled to one anchored regex with a capture per name.
 */

export interface ParsedTemplate {
  /** Regex source, anchored, capture group i+1 holds names[i]. */
  source: string
  names: string[]
  /**
   * True when a backtracking engine (V8) matches `source` in linear time, so it may run there rather than in RE2.
   * Proof: the regex is literals, `[^/]+` (from `*`) and at most one `.*` (from `**`, the last operator), with no
   * alternation or nested quantifier. When every `[^/]+` is followed by `$` or by literal text that contains a
   * `/` before the next operator, the text `[^/]+` plus that literal's part before its `/` covers must end at the
   * first `/` of the input after it starts: one length of `[^/]+` can lead on, every other fails within the
   * literal's length, and no later operator is re-entered. The `.*` has only literals after it. Total work is
   * O(input × template). `/*-*` (two operators in one segment) is not linear: `[^/]+-[^/]+-…` backtracks
   * polynomially on a miss, so such templates run in RE2.
   */
  linear: boolean
  error?: string
}

interface GlobState {
  sawDoubleStar: boolean
  /** The last operator emitted, until literal text with a "/" follows a `*`. */
  pending: '' | '*' | '**'
  linear: boolean
  error?: string
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Compiles the operator pattern inside or outside a variable: literals, `*`, `**`. */
function compileGlob(pattern: string, state: GlobState): string {
  let out = ''
  for (const part of pattern.split(/(\*\*|\*)/)) {
    if (part === '**' || part === '*') {
      if (state.pending) state.linear = false
      state.pending = part
      if (state.sawDoubleStar) state.error ??= '"**" must be the last operator in a template'
      if (part === '**') state.sawDoubleStar = true
      out += part === '**' ? '.*' : '[^/]+'
    } else {
      if (state.pending === '*' && part.includes('/')) state.pending = ''
      out += escapeRe(part)
    }
  }
  return out
}

/** The text before the first operator (`{`, `*`; a stray `}` is an error that stops it too): what the index files. */
export function templateLiteralPrefix(template: string): string {
  const at = template.search(/[{}*]/)
  return at < 0 ? template : template.slice(0, at)
}

export function parseTemplate(template: string): ParsedTemplate {
  const names: string[] = []
  const state: GlobState = { sawDoubleStar: false, pending: '', linear: true }
  let source = ''
  let i = 0
  while (i < template.length) {
    const c = template[i]!
    if (c === '{') {
      const end = template.indexOf('}', i)
      if (end < 0) return { source: '', names, linear: false, error: `unclosed "{" at ${i}` }
      const body = template.slice(i + 1, end)
      const eq = body.indexOf('=')
      const name = eq < 0 ? body : body.slice(0, eq)
      const pattern = eq < 0 ? '*' : body.slice(eq + 1)
      if (!NAME_RE.test(name)) return { source: '', names, linear: false, error: `bad variable name "${name}"` }
      if (names.includes(name)) return { source: '', names, linear: false, error: `variable "${name}" appears twice` }
      if (!pattern || /[{}]/.test(pattern)) return { source: '', names, linear: false, error: `bad pattern in {${body}}` }
      if (state.sawDoubleStar) state.error ??= '"**" must be the last operator in a template'
      names.push(name)
      source += `(${compileGlob(pattern, state)})`
      i = end + 1
      continue
    }
    if (c === '}') return { source: '', names, linear: false, error: `unexpected "}" at ${i}` }
    const next = template.indexOf('{', i)
    const chunkEnd = next < 0 ? template.length : next
    const chunk = template.slice(i, chunkEnd)
    if (chunk.includes('}')) return { source: '', names, linear: false, error: `unexpected "}"` }
    source += compileGlob(chunk, state)
    i = chunkEnd
  }
  const result: ParsedTemplate = { source: `^${source}$`, names, linear: state.linear }
  if (state.error) result.error = state.error
  return result
}
