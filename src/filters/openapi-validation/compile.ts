/**
 * @module JSON Schemas compiled for @cfworker/json-schema (an interpreter: no eval, runs in workerd). The shared
 * `definitions` are indexed once per config version, each operation's schemas against that index; `pattern`s run
 * in RE2 (linear time) through a format of their own instead of the validator's `new RegExp`.
 */
import { dereference, format as FORMATS, validate, type OutputUnit, type Schema } from '@cfworker/json-schema'
import { compileSearch } from '../../lib/safe-regex.ts'
import { compileFast, type Check } from './fast.ts'

type Lookup = Record<string, Schema | boolean>
const BASE = new URL('https://openapi.legate.invalid/')
const RE2_FORMAT = 'legate-re2:'

/** One schema ready to run: `check(value)` lists what is wrong, with pointers relative to the value. */
export interface CompiledSchema {
  check(value: unknown): { pointer: string; rule: string; message: string }[]
}

/** Per shared definitions object (one per config version): its clone, indexed. */
const indexes = new WeakMap<object, Lookup>()
/** Per index: the fast path's compiled nodes, shared by the operations referencing them. */
const fastNodes = new WeakMap<Lookup, Map<unknown, Check>>()
let next = 0

function lookupFor(definitions: object | undefined): Lookup {
  if (!definitions) return Object.create(null) as Lookup
  let lookup = indexes.get(definitions)
  if (!lookup) {
    const clone = structuredClone(definitions) as Schema
    rewritePatterns(clone)
    lookup = dereference(clone, Object.create(null) as Lookup, BASE)
    indexes.set(definitions, lookup)
  }
  return lookup
}

/** `pattern` → a format named after it, checked by RE2; walks every object (schemas and their containers). */
function rewritePatterns(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(rewritePatterns)
  if (typeof node !== 'object' || node === null) return
  const s = node as Record<string, unknown>
  for (const key of Object.keys(s)) if (key !== 'enum' && key !== 'const') rewritePatterns(s[key])
  if (typeof s.pattern !== 'string') return
  const name = `${RE2_FORMAT}${s.pattern}`
  if (!FORMATS[name]) {
    const re = compileSearch(s.pattern)
    FORMATS[name] = (value: string) => re.test(value)
  }
  delete s.pattern
  if (s.format === undefined) s.format = name
  else s.allOf = [...(Array.isArray(s.allOf) ? s.allOf : []), { format: name }]
}

/** Errors that only say a child failed: the child's own error says what and where. */
const WRAPPERS = new Set(['properties', 'items', 'prefixItems', 'additionalProperties', '$ref', 'allOf', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'if', 'then', 'else', 'dependentSchemas', 'propertyNames'])

function report(errors: readonly OutputUnit[]) {
  const out: { pointer: string; rule: string; message: string }[] = []
  const seen = new Set<string>()
  // anyOf/oneOf: the alternatives' own errors are noise; keep the anyOf/oneOf error and drop what is under it.
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.keywordLocation)
  for (const e of errors) {
    if (WRAPPERS.has(e.keyword)) continue
    if (alternatives.some((a) => e.keywordLocation.startsWith(`${a}/`))) continue
    let pointer = e.instanceLocation.replace(/^#/, '')
    const missing = e.keyword === 'required' ? /required property "(.*)"\.$/.exec(e.error)?.[1] : undefined
    if (missing !== undefined) pointer += `/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`
    const isRe2 = e.keyword === 'format' && e.error.includes(RE2_FORMAT)
    const rule = isRe2 ? 'pattern' : e.keyword === 'false' ? 'additionalProperties' : e.keyword
    const message = missing !== undefined ? 'this property is required' : isRe2 ? `does not match the pattern ${JSON.stringify(e.error.slice(e.error.indexOf(RE2_FORMAT) + RE2_FORMAT.length, -2))}` : e.keyword === 'false' ? 'this property is not allowed' : e.error
    const key = `${pointer}\0${rule}\0${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ pointer, rule, message })
  }
  return out
}

/**
 * Compiles `schema` (its `$ref`s resolve in `definitions`); throws when it cannot be indexed. `fast: false` runs
 * every check in the library (the reference the fast path is compared with).
 */
export function compileSchema(schema: unknown, definitions: object | undefined, { fast: useFast = true } = {}): CompiledSchema {
  if (schema === true || schema === undefined) return { check: () => [] }
  const lookup = lookupFor(definitions)
  const own = structuredClone(schema) as Schema | boolean
  rewritePatterns(own)
  dereference(own, lookup, BASE, `/~legate/${next++}`)
  let memo = fastNodes.get(lookup)
  if (!memo) fastNodes.set(lookup, (memo = new Map()))
  const fast = useFast ? compileFast(own, lookup, memo) : undefined
  return {
    check(value) {
      // Valid requests (the usual case) take the fast path when the schema allows it, else the library stopping at
      // the first error; only an invalid one is walked again by the library for every error.
      if (fast ? fast(value) : validate(value, own, '2020-12', lookup, true).valid) return []
      return report(validate(value, own, '2020-12', lookup, false).errors)
    },
  }
}
