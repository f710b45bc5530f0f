/**
 * @module URI templates (Envoy uri_template): `*` one segment, `**` zero or more segments (last operator only),
 * `{name}` = `{name=*}`, `{name=**}`, `{name=videos/*}`. Compiled to one anchored regex with a capture per name.
 */

export interface ParsedTemplate {
  /** Regex source, anchored, capture group i+1 holds names[i]. */
  source: string
  names: string[]
  /** Literal text before the first operator: used to index the route. */
  literalPrefix: string
  error?: string
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Compiles the operator pattern inside or outside a variable: literals, `*`, `**`. */
function compileGlob(pattern: string, state: { sawDoubleStar: boolean; error?: string }): string {
  let out = ''
  for (const part of pattern.split(/(\*\*|\*)/)) {
    if (part === '**' || part === '*') {
      if (state.sawDoubleStar) state.error ??= '"**" must be the last operator in a template'
      if (part === '**') state.sawDoubleStar = true
      out += part === '**' ? '.*' : '[^/]+'
    } else out += escapeRe(part)
  }
  return out
}

export function parseTemplate(template: string): ParsedTemplate {
  const names: string[] = []
  const state: { sawDoubleStar: boolean; error?: string } = { sawDoubleStar: false }
  let source = ''
  let literalPrefix = ''
  let sawOperator = false
  let i = 0
  while (i < template.length) {
    const c = template[i]!
    if (c === '{') {
      const end = template.indexOf('}', i)
      if (end < 0) return { source: '', names, literalPrefix, error: `unclosed "{" at ${i}` }
      const body = template.slice(i + 1, end)
      const eq = body.indexOf('=')
      const name = eq < 0 ? body : body.slice(0, eq)
      const pattern = eq < 0 ? '*' : body.slice(eq + 1)
      if (!NAME_RE.test(name)) return { source: '', names, literalPrefix, error: `bad variable name "${name}"` }
      if (names.includes(name)) return { source: '', names, literalPrefix, error: `variable "${name}" appears twice` }
      if (!pattern || /[{}]/.test(pattern)) return { source: '', names, literalPrefix, error: `bad pattern in {${body}}` }
      if (state.sawDoubleStar) state.error ??= '"**" must be the last operator in a template'
      names.push(name)
      source += `(${compileGlob(pattern, state)})`
      sawOperator = true
      i = end + 1
      continue
    }
    if (c === '}') return { source: '', names, literalPrefix, error: `unexpected "}" at ${i}` }
    if (c === '*') sawOperator = true
    if (!sawOperator) literalPrefix += c
    const next = template.indexOf('{', i)
    const chunkEnd = next < 0 ? template.length : next
    const chunk = template.slice(i, chunkEnd)
    if (chunk.includes('}')) return { source: '', names, literalPrefix, error: `unexpected "}"` }
    const starAt = chunk.indexOf('*')
    if (!sawOperator && starAt > 0) literalPrefix += chunk.slice(1, starAt)
    else if (!sawOperator) literalPrefix += chunk.slice(1)
    if (starAt >= 0) sawOperator = true
    source += compileGlob(chunk, state)
    i = chunkEnd
  }
  const result: ParsedTemplate = { source: `^${source}$`, names, literalPrefix }
  if (state.error) result.error = state.error
  return result
}
