/**
 * @module Response validation, report only: the upstream's status and media type are checked against the
 * operation's `responses` as the response passes, its JSON body on a teed copy read in `waitUntil`, so the client's
 * stream is neither delayed nor changed. Mismatches are counted and logged, never answered.
 */
import { readCapped } from '../../http/body.ts'
import { localResponse } from '../../http/owned-response.ts'
import type { RequestContext } from '../types.ts'
import type { CompiledSchema } from './compile.ts'
import type { Operation } from './config.ts'
import { mediaTypeOf } from '../../http/headers.ts'
import { compileContent, jsonSchemaFor, lookupMedia, parseJson, type ContentMap } from './media.ts'

/** Status key (`200`, `2XX`, `default`) → its content map. */
export type CompiledResponses = Map<string, ContentMap>

interface Problem {
  pointer: string
  rule: string
  message: string
}


/** The operation's responses, schemas compiled with `compile` (which names the failing field). */
export function compileResponses(responses: NonNullable<Operation['responses']>, compile: (schema: unknown, at: object) => CompiledSchema): CompiledResponses {
  const out: CompiledResponses = new Map()
  for (const [status, spec] of Object.entries(responses)) out.set(status.toUpperCase() === 'DEFAULT' ? 'default' : status.toUpperCase(), compileContent(spec.content, compile))
  return out
}

/** The media types a status may answer with: its own entry, its range (`4XX`), or `default`. */
const forStatus = (c: CompiledResponses, status: number) => c.get(String(status)) ?? c.get(`${Math.floor(status / 100)}XX`) ?? c.get('default')

function report(rc: RequestContext, status: number, errors: Problem[]): void {
  rc.stats.counter('openapi_validation.response_invalid')
  console.warn(JSON.stringify({ level: 'warn', msg: 'response does not match its OpenAPI operation (report mode)', route: rc.routeName, request_id: rc.requestId, status, errors }))
}

/**
 * Checks `response` (report only). Returns the response to send when its body was teed for validation; otherwise
 * nothing (the response goes on untouched).
 */
export function checkResponse(rc: RequestContext, response: Response, c: CompiledResponses, maxBytes: number): Response | void {
  const status = response.status
  const described = forStatus(c, status)
  if (!described) return report(rc, status, [{ pointer: '/status', rule: 'status', message: `status ${status} is not described for this operation (${[...c.keys()].join(', ')})` }])
  if (described.size === 0) return void rc.stats.counter('openapi_validation.response_valid')
  const type = mediaTypeOf(response.headers)
  const media = lookupMedia(described, type)
  if (!media) return report(rc, status, [{ pointer: '/header/content-type', rule: 'content-type', message: `"${type}" is not a media type of status ${status} (${[...described.keys()].join(', ')})` }])
  const body = response.body
  const schema = jsonSchemaFor(media, type)
  if (!schema || body === null || rc.method === 'HEAD') return void rc.stats.counter('openapi_validation.response_valid')
  const length = response.headers.get('content-length')
  if (length !== null && Number(length) > maxBytes) return void rc.stats.counter('openapi_validation.response_too_large')
  const [client, copy] = body.tee()
  rc.waitUntil(validateCopy(rc, status, copy, schema, maxBytes))
  return localResponse(client, response)
}

async function validateCopy(rc: RequestContext, status: number, copy: ReadableStream<Uint8Array>, schema: CompiledSchema, maxBytes: number): Promise<void> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await readCapped(copy, maxBytes)
  } catch {
    return // the upstream's body failed: the client sees that failure; there is nothing to validate
  }
  if (bytes === undefined) return void rc.stats.counter('openapi_validation.response_too_large')
  let value: unknown
  try {
    value = parseJson(bytes)
  } catch (e) {
    return report(rc, status, [{ pointer: '/body', rule: 'json', message: `the body is not JSON: ${(e as Error).message}` }])
  }
  const errors = schema.check(value).map((e) => ({ ...e, pointer: `/body${e.pointer}` }))
  if (errors.length > 0) report(rc, status, errors)
  else rc.stats.counter('openapi_validation.response_valid')
}
