/** @module The literal text every full match of a path regex must start with, used to index regex routes. */

const META = '.*+?()[]{}|^$'
const QUANTIFIER = '*+?{'
const WORD_CHAR = /[A-Za-z0-9]/

/** True when `source` has a `|` outside any group or character class (`a|b`, not `(a|b)`). */
export function hasTopLevelAlternation(source: string): boolean {
  let depth = 0
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return true
  }
  return false
}

/**
 * Returns a string that every path fully matched by `source` starts with (possibly ""). Conservative: it stops
 * at the first metacharacter or letter/digit escape (`\d`, `\b`, `\1`…), drops a character followed by a
 * quantifier (`ab?` gives "a"), skips one leading `^` and gives "" when there is a top-level `|`. Identity escapes
 * such as `\/` and `\.` count as literals. Case-sensitive: route regexes get no `i` flag.
 * @example regexLiteralPrefix('^/api/v[0-9]+/users') // '/api/v'
 */
export function regexLiteralPrefix(source: string): string {
  if (hasTopLevelAlternation(source)) return ''
  let out = ''
  let i = source.charCodeAt(0) === 94 /* ^ */ ? 1 : 0
  while (i < source.length) {
    const c = source[i]!
    let literal: string
    let width: number
    if (c === '\\') {
      const next = source[i + 1]
      if (next === undefined || WORD_CHAR.test(next)) break
      literal = next
      width = 2
    } else if (META.includes(c)) break
    else {
      literal = c
      width = 1
    }
    const after = source[i + width]
    if (after !== undefined && QUANTIFIER.includes(after)) break
    out += literal
    i += width
  }
  return out
}
