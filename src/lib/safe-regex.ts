/**
 * @module The one place config regexes are compiled: RE2 syntax and semantics through re2js (a pure-JS port of
 * RE2, no eval), so matching is linear in the input whatever the pattern (Envoy `safe_regex`).
 */
import { RE2JS } from 're2js'

/**
 * Largest compiled program (re2js instructions) a config regex may have, as Envoy's `max_program_size`. Matching
 * costs at most about input length × program size steps; 1,000 admits `[a-zA-Z0-9._-]{0,200}` (402) with room,
 * while refusing patterns such as `(x{1,300}){3}`. RE2 itself caps a single repeat count at 1,000.
 */
export const MAX_PROGRAM_SIZE = 1_000

const LINEAR = 'Legate matches regexes with RE2 semantics in linear time'

/** Turns an RE2 syntax error into the reason a JavaScript or PCRE construct is refused, when it is one. */
function explain(message: string): string {
  const frag = /`([^`]*)`$/.exec(message)?.[1] ?? ''
  const reason = (what: string) => `${what} is not supported: ${LINEAR}`
  if (frag.startsWith('(?=')) return reason('lookahead (?=…)')
  if (frag.startsWith('(?!')) return reason('negative lookahead (?!…)')
  if (frag.startsWith('(?<=') || frag.startsWith('(?<!')) return reason('lookbehind (?<=…) / (?<!…)')
  if (frag.startsWith('(?>')) return reason('atomic group (?>…)')
  if (/^\\[1-9]/.test(frag)) return reason(`backreference ${frag.slice(0, 2)}`)
  if (frag.startsWith('\\k')) return reason('named backreference \\k<…>')
  if (/invalid nested repetition operator/.test(message) && /^[*+?}]\+$/.test(frag.slice(-2)))
    return reason(`possessive quantifier ${frag}`)
  return `${message.replace(/^error parsing regexp: /, '')} (RE2 syntax)`
}

/**
 * Compiled patterns (or the reason they do not compile), shared by validation and every config version:
 * re2js compiles in tens of µs per pattern, and a reload or a validate-then-serve would otherwise pay it twice.
 * Matching is stateless, so sharing is safe. Bounded: cleared when full.
 */
const cache = new Map<string, RE2JS | string>()
const CACHE_MAX = 4_096

/** Compiles with re2js, or returns why not (syntax, unsupported construct, program too large). */
function tryCompile(source: string, flags = 0, maxSize = MAX_PROGRAM_SIZE): RE2JS | string {
  const key = `${flags}:${maxSize}:${source}`
  let hit = cache.get(key)
  if (hit === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear()
    cache.set(key, (hit = compileUncached(source, flags, maxSize)))
  }
  return hit
}

function compileUncached(source: string, flags: number, maxSize: number): RE2JS | string {
  let re: RE2JS
  try {
    re = RE2JS.compile(source, flags)
  } catch (e) {
    return explain((e as Error).message)
  }
  const size = re.programSize()
  if (size > maxSize)
    return `regex program size ${size} exceeds the limit of ${maxSize} (RE2 max_program_size): simplify it, e.g. smaller repeat counts`
  return re
}

function compile(source: string, flags = 0, maxSize = MAX_PROGRAM_SIZE): RE2JS {
  const re = tryCompile(source, flags, maxSize)
  if (typeof re === 'string') throw new Error(`invalid regex ${JSON.stringify(source)}: ${re}`)
  return re
}

/**
 * Checks a config regex: RE2 syntax, program size within {@link MAX_PROGRAM_SIZE}.
 * @returns undefined when it compiles, else a message naming the pattern and the reason.
 * @example checkSafeRegex('(?=a)b') // 'invalid regex "(?=a)b": lookahead (?=…) is not supported: …'
 */
export function checkSafeRegex(source: string): string | undefined {
  const re = tryCompile(source)
  return typeof re === 'string' ? `invalid regex ${JSON.stringify(source)}: ${re}` : undefined
}

/** Number of capture groups as RE2 counts them (named groups included), or undefined for an invalid pattern. */
export function captureGroups(source: string): number | undefined {
  const re = tryCompile(source)
  return typeof re === 'string' ? undefined : re.groupCount()
}

/**
 * Compiles a FULL-match predicate (Envoy `safe_regex`: the whole input must match, so `a|ab` matches "ab").
 * @param options.ignoreCase - RE2 case folding, as `(?i)`. @default false
 * @throws Error when the pattern does not pass {@link checkSafeRegex} (validation reports it first).
 */
export function compileFullMatch(source: string, options: { ignoreCase?: boolean } = {}): (input: string) => boolean {
  const re = compile(source, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0)
  return (input) => re.testExact(input)
}

/** Compiles a search predicate: true when the pattern matches anywhere in the input (Envoy stats `filter`). */
export function compileSearch(source: string): { test(input: string): boolean } {
  const re = compile(source)
  return { test: (input) => re.test(input) }
}

/**
 * Compiles a full match that returns the capture groups (index 1..n, "" when a group did not take part), or
 * undefined on no match. Used by URI templates: Legate generates their regex, whose size grows with the
 * template's length, so the program-size bound does not apply.
 */
export function compileCaptures(source: string, options: { ignoreCase?: boolean } = {}): (input: string) => string[] | undefined {
  const re = compile(source, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0, Infinity)
  const groups = re.groupCount()
  if (groups === 0) return (input) => (re.testExact(input) ? [input] : undefined)
  return (input) => {
    if (!re.testExact(input)) return undefined
    const m = re.matcher(input)
    if (!m.matches()) return undefined
    const out: string[] = [input]
    for (let i = 1; i <= groups; i++) out.push(m.group(i) ?? '')
    return out
  }
}

/**
 * Splits an RE2 substitution into literal text and group references: `\0`..`\9` are groups (`\0` the whole
 * match), `\\` is a backslash, anything else is literal (including other backslashes, kept as written).
 */
function parseSubstitution(substitution: string): (string | number)[] {
  const parts: (string | number)[] = []
  let lit = ''
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i]!
    const next = substitution[i + 1]
    if (c === '\\' && next !== undefined && /[0-9\\]/.test(next)) {
      i++
      if (next === '\\') lit += '\\'
      else {
        parts.push(lit, Number(next))
        lit = ''
      }
    } else lit += c
  }
  parts.push(lit)
  return parts
}

/**
 * Compiles Envoy `regex_rewrite`: replaces EVERY non-overlapping match (RE2 GlobalReplace) with the substitution,
 * whose `\1`..`\9` are captures. A reference to a group the pattern lacks gives "" (validation refuses it).
 * @example compileSubstitution('^/service/([^/]+)(/.*)$', '\\2/instance/\\1')('/service/foo/v1') // '/v1/instance/foo'
 */
export function compileSubstitution(pattern: string, substitution: string): (input: string) => string {
  const re = compile(pattern)
  const groups = re.groupCount()
  // A replacer gets (match, g1..gn, offset, input): a reference past n must not read offset or input.
  const parts = parseSubstitution(substitution).map((p) => (typeof p === 'number' && p > groups ? '' : p))
  if (parts.length === 1) {
    const literal = parts[0] as string
    return (input) => re.matcher(input).replaceAll(() => literal)
  }
  return (input) =>
    re.matcher(input).replaceAll((...args: unknown[]) => {
      let out = ''
      for (const p of parts) out += typeof p === 'string' ? p : ((args[p] as string | undefined) ?? '')
      return out
    })
}
