/** @module The literal text every full match of a path regex must start with, used to index regex routes. */

const META = '.*+?()[]{}|^$'
const QUANTIFIER = '*+?{'
const WORD_CHAR = /[A-Za-z0-9]/

/**
 * True when `source` has a `|` outside any group or character class (`a|b`, not `(a|b)`). Follows RE2 syntax
 * where it differs from a naive scan: `]` first in a class (`[]a]`, `[^]a]`) is a literal, `[:alpha:]` inside a
 * class does not close it, and `\Q…\E` quotes everything up to `\E`. Unsure cases err towards true (no prefix).
 */
export function hasTopLevelAlternation(source: string): boolean {
  let depth = 0
  let classStart = -1 // index of the first member of the class being scanned, or -1 outside a class
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      if (source[i + 1] === 'Q') {
        const end = source.indexOf('\\E', i + 2)
        i = end < 0 ? source.length : end + 1
      } else i++
    } else if (classStart >= 0) {
      if (c === '[' && source[i + 1] === ':') {
        const end = source.indexOf(':]', i + 2)
        if (end >= 0) i = end + 1
      } else if (c === ']' && i !== classStart) classStart = -1
    } else if (c === '[') classStart = source[i + 1] === '^' ? i + 2 : i + 1
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth <= 0) return true
  }
  return false
}

/**
 * Returns a string that every path fully matched by `source` starts with (possibly ""). Conservative: it stops
 * at the first metacharacter or letter/digit escape (`\d`, `\b`, `\1`…), drops a character followed by a
 * quantifier (`ab?` gives "a"), skips one leading `^` and gives "" when there is a top-level `|`. Identity escapes
 * such as `\/` and `\.` count as literals; RE2 flag groups such as `(?i)` stop it like any group.
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
