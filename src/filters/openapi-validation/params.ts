/**
 * @module Parameters out of a request as OpenAPI serializes them (`form`, `simple`, `spaceDelimited`,
 * `pipeDelimited`, with `explode`), strings coerced to the schema's scalar types before the schema runs.
 */
import { compileCaptures } from '../../lib/safe-regex.ts'
import type { Parameter } from './config.ts'
import { isObject } from '../../lib/is-object.ts'

type Obj = Record<string, unknown>
const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

/** What a schema's values may be, following `$ref`s into the definitions and through anyOf/oneOf/allOf. */
export interface Shape {
  types: Set<string>
  items?: Shape
  properties?: Map<string, Shape>
}

function resolveRef(ref: string, definitions: unknown): unknown {
  if (!ref.startsWith('#/')) return undefined
  let at: unknown = definitions
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (!isObject(at)) return undefined
    at = at[key]
  }
  return at
}

/** The shape of `schema`, computed once per operation at compile time. */
export function shapeOf(schema: unknown, definitions: unknown, depth = 0): Shape {
  const shape: Shape = { types: new Set() }
  if (!isObject(schema) || depth > 8) return shape
  const add = (s: Shape) => {
    for (const t of s.types) shape.types.add(t)
    shape.items ??= s.items
    if (s.properties) for (const [k, v] of s.properties) (shape.properties ??= new Map()).set(k, v)
  }
  if (typeof schema.$ref === 'string') add(shapeOf(resolveRef(schema.$ref, definitions), definitions, depth + 1))
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    if (Array.isArray(schema[key])) for (const s of schema[key]) add(shapeOf(s, definitions, depth + 1))
  const type = schema.type
  for (const t of Array.isArray(type) ? type : type === undefined ? [] : [type]) shape.types.add(String(t))
  if (shape.types.has('integer')) shape.types.add('number')
  if (schema.items !== undefined) shape.items = shapeOf(schema.items, definitions, depth + 1)
  if (isObject(schema.properties))
    for (const [k, v] of Object.entries(schema.properties)) (shape.properties ??= new Map()).set(k, shapeOf(v, definitions, depth + 1))
  return shape
}

/** A string as the scalar the shape asks for, when it reads as one; otherwise the string itself. */
export function coerce(value: string, shape: Shape | undefined): unknown {
  if (!shape) return value
  if (shape.types.has('number') && NUMBER_RE.test(value)) return Number(value)
  if (shape.types.has('boolean') && (value === 'true' || value === 'false')) return value === 'true'
  if (shape.types.has('null') && value === '' && !shape.types.has('string')) return null
  return value
}

const pairs = (parts: string[], shape: Shape) => {
  const out: Obj = {}
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]!] = coerce(parts[i + 1]!, shape.properties?.get(parts[i]!))
  return out
}

/** One serialized value (a header, a path segment, a non-exploded query value) as its schema's type. */
export function deserialize(raw: string, param: Parameter, shape: Shape): unknown {
  const style = param.style ?? (param.in === 'query' || param.in === 'cookie' ? 'form' : 'simple')
  const explode = param.explode ?? style === 'form'
  const sep = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ','
  if (shape.types.has('array') && !shape.types.has('string')) return raw === '' ? [] : raw.split(sep).map((v) => coerce(param.in === 'header' ? v.trim() : v, shape.items))
  if (shape.types.has('object') && !shape.types.has('string')) {
    if (style === 'simple' && explode) {
      const out: Obj = {}
      for (const kv of raw.split(',')) {
        const eq = kv.indexOf('=')
        if (eq > 0) out[kv.slice(0, eq).trim()] = coerce(kv.slice(eq + 1).trim(), shape.properties?.get(kv.slice(0, eq).trim()))
      }
      return out
    }
    return pairs(raw.split(','), shape)
  }
  return coerce(raw, shape)
}

/** Query parameter `param`: undefined when absent. Exploded arrays repeat the name; exploded objects spread. */
export function queryValue(params: URLSearchParams, param: Parameter, shape: Shape): unknown {
  const explode = param.explode ?? (param.style ?? 'form') === 'form'
  if (explode && shape.types.has('array')) {
    const all = params.getAll(param.name)
    if (all.length === 0) return undefined
    if (all.length > 1 || !shape.types.has('string')) return all.map((v) => coerce(v, shape.items))
  }
  if (explode && shape.types.has('object') && shape.properties && !params.has(param.name)) {
    const out: Obj = {}
    for (const [k, s] of shape.properties) {
      const v = params.get(k)
      if (v !== null) out[k] = coerce(v, s)
    }
    return Object.keys(out).length > 0 ? out : undefined
  }
  const raw = params.get(param.name)
  return raw === null ? undefined : explode && shape.types.has('array') ? [coerce(raw, shape.items)] : deserialize(raw, param, shape)
}

/** Cookie name → value, from the Cookie header. */
export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && !out.has(part.slice(0, eq).trim())) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return out
}

/** The path's captures by the template's `{param}` order, percent-decoded; undefined when it does not match. */
export function compilePath(template: string): (path: string) => Map<string, string> | undefined {
  const names: string[] = []
  let source = '^'
  for (const part of template.split(/(\{[^}]*\})/)) {
    if (part.startsWith('{') && part.endsWith('}')) {
      names.push(part.slice(1, -1))
      source += '([^/]+)'
    } else source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  const match = compileCaptures(`${source}$`)
  return (path) => {
    const groups = match(path)
    if (!groups) return undefined
    const out = new Map<string, string>()
    names.forEach((n, i) => {
      const raw = groups[i + 1] ?? ''
      let value = raw
      try {
        value = decodeURIComponent(raw)
      } catch {}
      out.set(n, value)
    })
    return out
  }
}
