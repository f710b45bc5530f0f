/**
 * @module One OpenAPI operation → what the openapi_validation filter needs of it: parameters (path item's and
 * operation's, `$ref`s followed), the request body and, on request, the responses, schemas normalized; what does
 * not map is an issue.
 */
import { normalizeSchema, type ImportIssue, type SchemaContext } from './schema.ts'
import { getAt, parsePointer, pointer } from './pointer.ts'
import { isObject } from '../../../lib/is-object.ts'

type Obj = Record<string, unknown>

/** Header parameters OpenAPI says to ignore (the request's own content negotiation and credentials). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization'])
const STYLES: Record<string, readonly string[]> = {
  path: ['simple'],
  header: ['simple'],
  query: ['form', 'spaceDelimited', 'pipeDelimited'],
  cookie: ['form'],
}
const JSON_MEDIA_RE = /^application\/(?:[\w.+-]*\+)?json$|^\*\/\*$|^application\/\*$/i

/** Follows `$ref`s (local, after bundling) to the object they name; the pointer it was found at, for issues. */
export function deref(doc: unknown, value: unknown, at: string, issues: ImportIssue[]): { value: unknown; at: string } {
  const seen = new Set<string>()
  while (isObject(value) && typeof value.$ref === 'string') {
    const ref = value.$ref
    const segments = parsePointer(ref)
    const target = segments && getAt(doc, segments)
    if (target === undefined || seen.has(ref)) {
      issues.push({ pointer: `${at}/$ref`, message: `unresolved $ref ${JSON.stringify(ref)}` })
      return { value: undefined, at }
    }
    seen.add(ref)
    at = pointer(...segments!)
    value = target
  }
  return { value, at }
}

type Content = Record<string, { schema?: unknown }>

export interface OperationParts {
  parameters: Obj[]
  request_body?: { required: boolean; content: Content }
  responses?: Record<string, { content: Content }>
}

/** A content map: JSON media types keep their (normalized) schema, others are accepted but not validated. */
function contentOf(content: Obj, at: string, what: string, ctx: SchemaContext): Content {
  const out: Content = {}
  for (const [type, media] of Object.entries(content)) {
    const mediaAt = `${at}/content/${pointer(type).slice(1)}`
    const schema = isObject(media) ? media.schema : undefined
    if (schema !== undefined && JSON_MEDIA_RE.test(type)) out[type] = { schema: normalizeSchema(schema, `${mediaAt}/schema`, ctx) }
    else {
      if (schema !== undefined) ctx.issues.push({ pointer: `${mediaAt}/schema`, message: `${what} of ${type} are accepted but not validated (only JSON bodies are)` })
      out[type] = {}
    }
  }
  return out
}

const STATUS_RE = /^(?:[1-5](?:\d\d|XX)|default)$/i

/** The operation's responses, for response validation: status → content (`$ref`s to components followed). */
function responsesOf(doc: unknown, op: Obj, opAt: string, ctx: SchemaContext): OperationParts['responses'] {
  if (!isObject(op.responses)) return undefined
  const out: NonNullable<OperationParts['responses']> = {}
  for (const [status, raw] of Object.entries(op.responses)) {
    const statusAt = `${opAt}/responses/${pointer(status).slice(1)}`
    if (!STATUS_RE.test(status)) {
      if (!status.startsWith('x-')) ctx.issues.push({ pointer: statusAt, message: `"${status}" is not a status code, a range such as 2XX, or default` })
      continue
    }
    const { value, at } = deref(doc, raw, statusAt, ctx.issues)
    if (!isObject(value)) continue
    out[status] = { content: isObject(value.content) ? contentOf(value.content, at, 'responses', ctx) : {} }
  }
  return out
}

/**
 * The validation parts of one operation at `opAt` (`/paths/~1users/get`), or issues for what cannot map; its
 * responses too when `withResponses` (for response validation).
 */
export function operationParts(doc: unknown, pathItem: Obj, pathAt: string, op: Obj, opAt: string, ctx: SchemaContext, withResponses = false): OperationParts {
  const byKey = new Map<string, { param: Obj; at: string }>()
  const collect = (list: unknown, listAt: string) => {
    if (list === undefined) return
    if (!Array.isArray(list)) return ctx.issues.push({ pointer: listAt, message: 'parameters must be a list' })
    list.forEach((raw, i) => {
      const { value, at } = deref(doc, raw, `${listAt}/${i}`, ctx.issues)
      if (!isObject(value) || typeof value.name !== 'string' || typeof value.in !== 'string') {
        if (value !== undefined) ctx.issues.push({ pointer: at, message: 'a parameter needs a name and an "in"' })
        return
      }
      byKey.set(`${value.in}:${value.in === 'header' ? value.name.toLowerCase() : value.name}`, { param: value, at })
    })
  }
  collect(pathItem.parameters, `${pathAt}/parameters`)
  collect(op.parameters, `${opAt}/parameters`)

  const parameters: Obj[] = []
  for (const { param, at } of byKey.values()) {
    const where = param.in as string
    if (!(where in STYLES)) {
      ctx.issues.push({ pointer: `${at}/in`, message: `parameters "in: ${where}" are not supported (path, query, header, cookie)` })
      continue
    }
    if (where === 'header' && IGNORED_HEADERS.has((param.name as string).toLowerCase())) continue
    if (param.content !== undefined) {
      ctx.issues.push({ pointer: `${at}/content`, message: 'parameters described with "content" are not validated; use "schema"' })
      continue
    }
    const style = (param.style as string | undefined) ?? (where === 'query' || where === 'cookie' ? 'form' : 'simple')
    if (!STYLES[where]!.includes(style)) {
      ctx.issues.push({ pointer: `${at}/style`, message: `style "${style}" is not supported for ${where} parameters (${STYLES[where]!.join(', ')})` })
      continue
    }
    const out: Obj = { name: param.name, in: where }
    if (param.required === true || where === 'path') out.required = true
    if (param.style !== undefined) out.style = style
    if (typeof param.explode === 'boolean') out.explode = param.explode
    if (param.schema !== undefined) out.schema = normalizeSchema(param.schema, `${at}/schema`, ctx)
    parameters.push(out)
  }
  const parts: OperationParts = { parameters }

  if (op.requestBody !== undefined) {
    const { value: body, at } = deref(doc, op.requestBody, `${opAt}/requestBody`, ctx.issues)
    if (isObject(body) && isObject(body.content)) parts.request_body = { required: body.required === true, content: contentOf(body.content, at, 'bodies', ctx) }
    else if (body !== undefined) ctx.issues.push({ pointer: at, message: 'a request body needs a "content" map' })
  }
  if (withResponses) {
    const responses = responsesOf(doc, op, opAt, ctx)
    if (responses && Object.keys(responses).length > 0) parts.responses = responses
  }
  return parts
}
