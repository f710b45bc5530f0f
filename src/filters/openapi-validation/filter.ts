/**
 * @module openapi_validation filter: checks a request against its OpenAPI operation (parameters and JSON body);
 * `enforce` answers 400 with every error, `report` counts, logs and forwards. Responses are checked in report
 * mode only, when `response_validation` asks for it (response.ts).
 */
import { problem } from '../../http/problem.ts'
import { defineFilter, FilterConfigError, type RequestContext } from '../types.ts'
import { readWithin, streamOf } from '../../http/body.ts'
import { compileSchema, type CompiledSchema } from './compile.ts'
import { OPENAPI_ERRORS, OPENAPI_STATS, openapiValidationConfig, type OpenapiValidationConfig, type Parameter } from './config.ts'
import { compilePath, deserialize, parseCookies, queryValue, shapeOf, type Shape } from './params.ts'
import { mediaTypeOf } from '../../http/headers.ts'
import { compileContent, jsonSchemaFor, lookupMedia, parseJson } from './media.ts'
import { checkResponse, compileResponses } from './response.ts'

/** One problem found, as listed in the 400 reply: where in the request, which schema rule, what. */
export interface ValidationError {
  pointer: string
  rule: string
  message: string
}

interface CompiledParam {
  param: Parameter
  shape: Shape
  schema: CompiledSchema
  at: string
}

const DIGITS_RE = /^\d+$/
const seg = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

function compileOperation(config: OpenapiValidationConfig) {
  const op = config.operation!
  const definitions = config.definitions as object | undefined
  const compile = (schema: unknown, at: object, field: string | number) => {
    try {
      return compileSchema(schema, definitions)
    } catch (e) {
      throw new FilterConfigError(`schema cannot be compiled: ${(e as Error).message}`, at, field)
    }
  }
  const params: CompiledParam[] = op.parameters.map((p) => ({
    param: p,
    shape: shapeOf(p.schema, definitions),
    schema: compile(p.schema, p, 'schema'),
    at: `/${p.in}/${seg(p.in === 'header' ? p.name.toLowerCase() : p.name)}`,
  }))
  const content = compileContent(op.request_body?.content ?? {}, (schema, at) => compile(schema, at, 'schema'))
  const responses = config.response_validation === 'report' && op.responses ? compileResponses(op.responses, (schema, at) => compile(schema, at, 'schema')) : undefined
  return { params, content, responses, path: params.some((p) => p.param.in === 'path') ? compilePath(op.path) : undefined }
}

type Compiled = ReturnType<typeof compileOperation>

function checkParams(rc: RequestContext, c: Compiled, errors: ValidationError[]): void {
  const path = c.path?.(rc.url.pathname)
  let cookies: Map<string, string> | undefined
  for (const { param, shape, schema, at } of c.params) {
    let value: unknown
    if (param.in === 'query') value = queryValue(rc.url.searchParams, param, shape)
    else {
      const raw =
        param.in === 'path' ? path?.get(param.name) : param.in === 'header' ? rc.request.headers.get(param.name) : (cookies ??= parseCookies(rc.request.headers.get('cookie'))).get(param.name)
      value = raw === undefined || raw === null ? undefined : deserialize(raw, param, shape)
    }
    if (value === undefined) {
      if (param.required) errors.push({ pointer: at, rule: 'required', message: `the ${param.in} parameter "${param.name}" is required` })
      continue
    }
    for (const e of schema.check(value)) errors.push({ pointer: `${at}${e.pointer}`, rule: e.rule, message: e.message })
  }
}

type BodyOutcome = Response | undefined

async function checkBody(rc: RequestContext, config: OpenapiValidationConfig, c: Compiled, errors: ValidationError[]): Promise<BodyOutcome> {
  const spec = config.operation!.request_body
  if (!spec) return
  const length = rc.request.headers.get('content-length')
  if (rc.body === null || length === '0') {
    if (spec.required) errors.push({ pointer: '/body', rule: 'required', message: 'this operation requires a request body' })
    return
  }
  const type = mediaTypeOf(rc.request.headers)
  const media = lookupMedia(c.content, type)
  if (!media) {
    rc.stats.counter('openapi_validation.unsupported_media_type')
    const accepted = [...c.content.keys()].join(', ')
    if (config.mode === 'report') return void errors.push({ pointer: '/header/content-type', rule: 'content-type', message: `"${type}" is not accepted (${accepted})` })
    return problem({ code: 'ERR_OPENAPI_UNSUPPORTED_MEDIA_TYPE', detail: `Content-Type "${type || '(none)'}" is not accepted here; send one of: ${accepted}`, requestId: rc.requestId }, OPENAPI_ERRORS)
  }
  const schema = jsonSchemaFor(media, type)
  if (!schema) return
  const tooLarge = () => {
    rc.stats.counter('openapi_validation.too_large')
    if (config.mode === 'report') return undefined
    return problem({ code: 'ERR_BODY_TOO_LARGE', detail: `JSON bodies are validated up to ${config.max_body_bytes} bytes`, requestId: rc.requestId })
  }
  const declared = length !== null && DIGITS_RE.test(length) ? Number(length) : undefined
  if (declared !== undefined && declared > config.max_body_bytes) return tooLarge()
  // The runtime holds the original body to its Content-Length; a body an earlier filter replaced is counted.
  const read = await readWithin(rc.body, config.max_body_bytes, rc.body === rc.request.body ? declared : undefined)
  if (read.kind === 'too_large') {
    rc.body = read.rest
    return tooLarge()
  }
  rc.body = streamOf(read.bytes)
  let value: unknown
  try {
    value = parseJson(read.bytes)
  } catch (e) {
    return void errors.push({ pointer: '/body', rule: 'json', message: `the body is not JSON: ${(e as Error).message}` })
  }
  for (const e of schema.check(value)) errors.push({ pointer: `/body${e.pointer}`, rule: e.rule, message: e.message })
}

/**
 * The `openapi_validation` filter. `legate import openapi` writes its config: `definitions` once on the virtual
 * host, `operation` per route. Parameters are read as OpenAPI serializes them; JSON bodies are read within
 * `max_body_bytes`, validated and forwarded byte for byte. With `response_validation: report`, upstream responses
 * are checked against `operation.responses` (counted and logged, never changed).
 * @example filters: { openapi_validation: { operation: { path: /users/{id}, parameters: [{ name: id, in: path, schema: { type: integer } }] } } }
 */
export const openapiValidationFilter = defineFilter({
  name: 'openapi_validation',
  status: 'alpha',
  description: 'Validates parameters and JSON bodies against an OpenAPI operation (enforce: 400 listing every error; report), and optionally reports responses that do not match',
  configSchema: openapiValidationConfig,
  errors: OPENAPI_ERRORS,
  stats: OPENAPI_STATS,
  create(config) {
    if (!config.operation) return {}
    const compiled = compileOperation(config)
    const responses = compiled.responses
    return {
      onRequest: async function openapiValidation(rc) {
        const errors: ValidationError[] = []
        checkParams(rc, compiled, errors)
        const reply = await checkBody(rc, config, compiled, errors)
        if (reply) return reply
        if (errors.length === 0) return void rc.stats.counter('openapi_validation.valid')
        if (config.mode === 'report') {
          rc.stats.counter('openapi_validation.reported')
          console.warn(JSON.stringify({ level: 'warn', msg: 'request does not match its OpenAPI operation (report mode)', route: rc.routeName, request_id: rc.requestId, errors }))
          return
        }
        rc.stats.counter('openapi_validation.invalid')
        const detail = `${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors[0]!.pointer || '/'} ${errors[0]!.message}`
        return problem({ code: 'ERR_OPENAPI_INVALID_REQUEST', detail, requestId: rc.requestId, extra: { errors } }, OPENAPI_ERRORS)
      },
      ...(responses ? { onResponse: (rc: RequestContext, response: Response) => (rc.upstream ? checkResponse(rc, response, responses, config.max_response_bytes) : undefined) } : {}),
    }
  },
})
