/**
 * @module The common JSON Schema subset compiled once into closures that only answer valid / invalid, so a valid
 * request skips @cfworker/json-schema's interpreter (which builds a location string and a result per keyword).
 * The library stays the reference: a schema node using a keyword outside the subset is checked by the library
 * itself, and an invalid answer is always walked again by the library for its errors. Agreement with the library
 * is tested property by property (test/filters/openapi-validation-fast.test.ts).
 */
import { deepCompareStrict, format as FORMATS, ucs2length, validate, type Schema } from '@cfworker/json-schema'

/** valid (true) or not, as `validate(value, schema, '2020-12', lookup).valid` would answer. */
export type Check = (value: unknown) => boolean
type Lookup = Record<string, Schema | boolean>
type Node = Record<string, unknown>

/** Keywords the library evaluates that the closures do not: a node with one is checked by the library. */
const LIBRARY_NODE = new Set(['$recursiveRef', '$recursiveAnchor', 'if', 'then', 'else', 'patternProperties', 'propertyNames', 'dependentRequired', 'dependentSchemas', 'dependencies', 'prefixItems', 'additionalItems', 'contains', 'minContains', 'maxContains', 'uniqueItems', 'multipleOf', 'pattern'])
/** Keywords that depend on what other nodes evaluated (or on dynamic scope): no fast path for the whole schema. */
const LIBRARY_ALL = new Set(['unevaluatedProperties', 'unevaluatedItems', '$recursiveRef', '$recursiveAnchor'])
const NUMERIC = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const
const SUBSCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf'] as const

const isNode = (s: unknown): s is Node => typeof s === 'object' && s !== null && !Array.isArray(s)
const isSchema = (s: unknown) => typeof s === 'boolean' || isNode(s)
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k)
const ALWAYS: Check = () => true
const NEVER: Check = () => false

/** Whether every keyword of `s` has the type the closures assume (otherwise the library decides, quirks and all). */
function wellFormed(s: Node): boolean {
  for (const k of NUMERIC) if (s[k] !== undefined && typeof s[k] !== 'number') return false
  for (const k of SUBSCHEMA_ARRAYS) if (s[k] !== undefined && !(Array.isArray(s[k]) && (s[k] as unknown[]).every(isSchema))) return false
  const { type, required, properties, additionalProperties, items, not, format, enum: values } = s
  if (type !== undefined && typeof type !== 'string' && !(Array.isArray(type) && type.every((t) => typeof t === 'string'))) return false
  if (required !== undefined && !(Array.isArray(required) && required.every((r) => typeof r === 'string'))) return false
  if (properties !== undefined && !(isNode(properties) && Object.values(properties).every(isSchema))) return false
  for (const sub of [additionalProperties, items, not]) if (sub !== undefined && !isSchema(sub)) return false
  if (values !== undefined && !Array.isArray(values)) return false
  if (format !== undefined && (typeof format !== 'string' || (FORMATS[format] !== undefined && !hasOwn(FORMATS, format)))) return false
  return true
}

/** The schemas `root` reaches (through subschemas and `$ref`s): false when one needs the library throughout. */
function subsetOnly(root: unknown, lookup: Lookup, seen = new Set<unknown>()): boolean {
  if (typeof root !== 'object' || root === null || seen.has(root)) return true
  seen.add(root)
  if (Array.isArray(root)) return root.every((s) => subsetOnly(s, lookup, seen))
  const s = root as Node
  for (const k of Object.keys(s)) {
    if (LIBRARY_ALL.has(k)) return false
    if (k === 'enum' || k === 'const' || k === 'required') continue
    if (!subsetOnly(s[k], lookup, seen)) return false
  }
  return typeof s.$ref !== 'string' || subsetOnly(lookup[refKey(s)], lookup, seen)
}

const refKey = (s: Node) => ((s as { __absolute_ref__?: string }).__absolute_ref__ || s.$ref) as string

/** One type name's check. The library lets Infinity be an `integer` alone, but not in a list of types. */
const typeCheck = (t: string, alone: boolean): Check =>
  t === 'integer' ? (alone ? (v) => typeof v === 'number' && !(v % 1) && v === v : (v) => typeof v === 'number' && v % 1 === 0)
  : t === 'number' || t === 'string' || t === 'boolean' ? (v) => typeof v === t
  : t === 'null' ? (v) => v === null
  : t === 'array' ? Array.isArray
  : t === 'object' ? isNode
  : NEVER

function some(alternatives: Check[]): Check {
  return (v) => {
    for (const a of alternatives) if (a(v)) return true
    return false
  }
}

/** Compiles a node; memoized per schema object, so `$ref` cycles close on themselves. */
function compileNode(schema: unknown, lookup: Lookup, memo: Map<unknown, Check>): Check {
  if (schema === true) return ALWAYS
  if (schema === false) return NEVER
  const known = memo.get(schema)
  if (known) return known
  let built: Check | undefined
  memo.set(schema, (v) => built!(v)) // what a cycle back to this node calls
  built = build(schema, lookup, memo)
  memo.set(schema, built)
  return built
}

function build(schema: unknown, lookup: Lookup, memo: Map<unknown, Check>): Check {
  const library: Check = (v) => validate(v, schema as Schema, '2020-12', lookup, true).valid
  if (!isNode(schema) || !wellFormed(schema) || Object.keys(schema).some((k) => LIBRARY_NODE.has(k))) return library
  if (schema.$ref !== undefined && (typeof schema.$ref !== 'string' || lookup[refKey(schema)] === undefined)) return library
  const sub = (s: unknown) => compileNode(s, lookup, memo)
  const any: Check[] = []
  const s = schema
  if (typeof s.$ref === 'string') any.push(sub(lookup[refKey(s)]))
  if (typeof s.type === 'string') any.push(typeCheck(s.type, true))
  else if (Array.isArray(s.type)) any.push(some((s.type as string[]).map((t) => typeCheck(t, false))))
  const structured = (v: unknown) => typeof v === 'object' && v !== null
  if (s.const !== undefined) {
    const c = s.const
    any.push((v) => (structured(v) ? deepCompareStrict(v, c) : v === c))
  }
  if (s.enum !== undefined) {
    const values = s.enum as unknown[]
    const scalars = new Set(values.filter((x) => !structured(x)))
    any.push((v) => (structured(v) ? values.some((x) => deepCompareStrict(v, x)) : v === v && scalars.has(v)))
  }
  if (s.not !== undefined) {
    const not = sub(s.not)
    any.push((v) => !not(v))
  }
  if (s.allOf) for (const a of (s.allOf as unknown[]).map(sub)) any.push(a)
  if (s.anyOf) any.push(some((s.anyOf as unknown[]).map(sub)))
  if (s.oneOf) {
    const alternatives = (s.oneOf as unknown[]).map(sub)
    any.push((v) => {
      let n = 0
      for (const a of alternatives) if (a(v) && ++n > 1) return false
      return n === 1
    })
  }
  const checks = [...any, ...objectChecks(s, sub), ...arrayChecks(s, sub), ...numberChecks(s), ...stringChecks(s)]
  if (checks.length === 0) return ALWAYS
  if (checks.length === 1) return checks[0]!
  return (v) => {
    for (const c of checks) if (!c(v)) return false
    return true
  }
}

/** Checks that apply to objects only (anything else passes them), as the library's. */
function objectChecks(s: Node, sub: (s: unknown) => Check): Check[] {
  const { required, properties, additionalProperties: extra, minProperties: min, maxProperties: max } = s as { required?: string[]; properties?: Node; additionalProperties?: unknown; minProperties?: number; maxProperties?: number }
  if (required === undefined && properties === undefined && extra === undefined && min === undefined && max === undefined) return []
  const props = Object.entries(properties ?? {}).map(([k, p]) => [k, sub(p)] as const)
  const named = new Set(props.map(([k]) => k))
  const rest = extra === undefined ? undefined : sub(extra)
  return [
    (v) => {
      if (!isNode(v)) return true
      if (required) for (const k of required) if (!hasOwn(v, k)) return false
      if (min !== undefined || max !== undefined) {
        const n = Object.keys(v).length
        if ((min !== undefined && n < min) || (max !== undefined && n > max)) return false
      }
      for (const [k, p] of props) if (hasOwn(v, k) && !p(v[k])) return false
      if (rest) for (const k in v) if (!named.has(k) && !rest(v[k])) return false
      return true
    },
  ]
}

function arrayChecks(s: Node, sub: (s: unknown) => Check): Check[] {
  const { items, minItems: min, maxItems: max } = s as { items?: unknown; minItems?: number; maxItems?: number }
  if (items === undefined && min === undefined && max === undefined) return []
  const each = items === undefined ? undefined : sub(items)
  return [(v) => !Array.isArray(v) || ((min === undefined || v.length >= min) && (max === undefined || v.length <= max) && (!each || v.every((x) => each(x))))]
}

function numberChecks(s: Node): Check[] {
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = s as Record<string, number | undefined>
  if (min === undefined && max === undefined && xmin === undefined && xmax === undefined) return []
  return [(v) => typeof v !== 'number' || !((min !== undefined && v < min) || (max !== undefined && v > max) || (xmin !== undefined && v <= xmin) || (xmax !== undefined && v >= xmax))]
}

function stringChecks(s: Node): Check[] {
  const { minLength: min, maxLength: max, format } = s as { minLength?: number; maxLength?: number; format?: string }
  const out: Check[] = []
  if (min !== undefined || max !== undefined) {
    out.push((v) => {
      if (typeof v !== 'string') return true
      const n = ucs2length(v)
      return !((min !== undefined && n < min) || (max !== undefined && n > max))
    })
  }
  const f = format === undefined ? undefined : FORMATS[format]
  if (f) out.push((v) => typeof v !== 'string' || Boolean(f(v)))
  return out
}

/** The closures for `schema` (already dereferenced into `lookup`), or undefined when the library must run it all. */
export function compileFast(schema: Schema | boolean, lookup: Lookup, memo: Map<unknown, Check> = new Map()): Check | undefined {
  if (!subsetOnly(schema, lookup)) return undefined
  return compileNode(schema, lookup, memo)
}
