/**
 * @module OpenAPI Schema Objects → JSON Schema 2020-12 for the openapi_validation filter: 3.0's `nullable` and
 * boolean `exclusiveMinimum`/`exclusiveMaximum` rewritten, annotations dropped, `$ref`s collected, and what the
 * filter cannot run reported.
 */
import { checkSafeRegex } from '../../../lib/safe-regex.ts'
import { encodeSegment, parsePointer } from './pointer.ts'

/** A place in the spec that the table cannot express, as a JSON pointer and why. */
export interface ImportIssue {
  pointer: string
  message: string
}

/** Keywords that do not validate: dropped to keep the stored table small. */
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'externalDocs', 'xml', 'deprecated', 'discriminator', 'readOnly', 'writeOnly', '$comment', 'default', 'contentMediaType', 'contentEncoding'])
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas'])
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems'])
const SCHEMA_ONE = new Set(['items', 'not', 'additionalProperties', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'additionalItems'])
const UNSUPPORTED = new Set(['$dynamicRef', '$dynamicAnchor', 'patternProperties'])

export interface SchemaContext {
  /** 3.0 documents use OpenAPI's schema dialect (nullable, boolean exclusive bounds). */
  readonly openapi30: boolean
  /** Local `$ref` targets seen, as JSON pointers (`/components/schemas/User`). */
  readonly refs: Set<string>
  readonly issues: ImportIssue[]
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The schema at `at` (a JSON pointer) as the filter runs it. Never mutates `schema`. */
export function normalizeSchema(schema: unknown, at: string, ctx: SchemaContext): unknown {
  if (typeof schema === 'boolean') return schema
  if (!isObject(schema)) {
    ctx.issues.push({ pointer: at, message: 'a schema must be an object or a boolean' })
    return true
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue
    const here = `${at}/${encodeSegment(key)}`
    if (UNSUPPORTED.has(key)) {
      ctx.issues.push({ pointer: here, message: `"${key}" is not supported by the openapi_validation filter; the keyword is left out` })
      continue
    }
    if (key === '$ref') {
      const target = typeof value === 'string' && value.startsWith('#') ? parsePointer(value) : undefined
      if (!target) ctx.issues.push({ pointer: here, message: `unresolved $ref ${JSON.stringify(value)}` })
      else ctx.refs.add(target.map((s) => `/${encodeSegment(s)}`).join(''))
      out[key] = value
    } else if (key === 'pattern' && typeof value === 'string') {
      const bad = checkSafeRegex(value)
      if (bad) ctx.issues.push({ pointer: here, message: `${bad}; the pattern is left out` })
      else out[key] = value
    } else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeSchema(v, `${here}/${encodeSegment(k)}`, ctx)]))
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v, i) => normalizeSchema(v, `${here}/${i}`, ctx))
    } else if (SCHEMA_ONE.has(key) && (isObject(value) || typeof value === 'boolean')) {
      out[key] = normalizeSchema(value, here, ctx)
    } else {
      out[key] = value
    }
  }
  return ctx.openapi30 ? openapi30(out) : out
}

/**
 * OpenAPI 3.0's dialect: `nullable` adds `null` to `type` and `enum`; without a `type` (`allOf: [$ref]`,
 * `nullable: true`, common though 3.0.3 gives it no effect) the schema becomes `anyOf: [itself, null]`, the
 * lenient reading. Boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form.
 */
function openapi30(s: Record<string, unknown>): Record<string, unknown> {
  const nullable = s.nullable === true
  delete s.nullable
  if (nullable && typeof s.type === 'string') s.type = [s.type, 'null']
  if (nullable && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null]
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof s[flag] !== 'boolean') continue
    if (s[flag] === true && typeof s[bound] === 'number') {
      s[flag] = s[bound]
      delete s[bound]
    } else delete s[flag]
  }
  return nullable && s.type === undefined && Object.keys(s).length > 0 ? { anyOf: [s, { type: 'null' }] } : s
}
