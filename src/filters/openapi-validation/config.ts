/** @module openapi_validation filter config: one OpenAPI operation's parameters and request body, as JSON Schema. */
import * as z from 'zod'
import { declareStats } from '../types.ts'
import { isObject } from '../../lib/is-object.ts'


/** A JSON Schema (2020-12; `legate import openapi` converts OpenAPI 3.0's dialect): an object or a boolean. */
export const jsonSchema = z
  .unknown()
  .refine((v) => typeof v === 'boolean' || isObject(v), 'a JSON Schema is an object or a boolean')
  .describe('JSON Schema 2020-12')

/** One operation parameter (OpenAPI Parameter Object, the parts validation uses). */
export const parameter = z.strictObject({
  name: z.string().min(1).max(256),
  in: z.enum(['path', 'query', 'header', 'cookie']),
  /** Path parameters are always required. @default false */
  required: z.boolean().default(false),
  /**
   * OpenAPI serialization style: `form` (query, cookie), `simple` (path, header), `spaceDelimited` and
   * `pipeDelimited` (query arrays). @default form for query and cookie, simple for path and header
   */
  style: z.enum(['form', 'simple', 'spaceDelimited', 'pipeDelimited']).optional(),
  /** @default true for style form, false otherwise */
  explode: z.boolean().optional(),
  /** The value's schema; strings are coerced to the schema's number, integer or boolean type first. */
  schema: jsonSchema.optional(),
})
export type Parameter = z.output<typeof parameter>

/** What one operation accepts. */
export const operation = z.strictObject({
  /**
   * The OpenAPI path template with the base path, e.g. `/v1/users/{id}`: path parameters are taken from the
   * request path by position. Must match the paths the route forwards.
   */
  path: z.string().startsWith('/').max(1024),
  /** Max 200. @default [] */
  parameters: z.array(parameter).max(200).default([]),
  /** The request body, when the operation takes one. */
  request_body: z
    .strictObject({
      /** A request without a body is refused. @default false */
      required: z.boolean().default(false),
      /**
       * Accepted media types (`application/json`, `application/*`, `*\/*`) → the body's schema. JSON media types
       * (`application/json`, `…+json`) with a schema are parsed and validated; others are only accepted.
       */
      content: z.record(z.string().min(1), z.strictObject({ schema: jsonSchema.optional() })),
    })
    .optional(),
  /**
   * What the upstream may answer, for `response_validation`: status (`200`, a range such as `4XX`, or `default`) →
   * media type → the body's schema. A status without `content` has no body to check.
   */
  responses: z
    .record(
      z.string().regex(/^(?:[1-5](?:\d\d|XX)|default)$/i, 'a status code, a range such as 2XX, or default'),
      z.strictObject({
        /** @default {} */
        content: z.record(z.string().min(1), z.strictObject({ schema: jsonSchema.optional() })).default({}),
      })
    )
    .optional(),
})
export type Operation = z.output<typeof operation>

/** `openapi_validation` config: the shared definitions usually on the http_filters entry, `operation` per route. */
export const openapiValidationConfig = z.strictObject({
  /** `enforce`: invalid requests get 400; `report`: they are counted, logged and forwarded. @default enforce */
  mode: z.enum(['enforce', 'report']).default('enforce'),
  /** Largest JSON request body read for validation, bytes; larger ones get 413. @default 1048576 */
  max_body_bytes: z.number().int().min(1).max(104_857_600).default(1_048_576),
  /**
   * `report`: each upstream response's status, media type and JSON body are checked against the operation's
   * `responses`; mismatches are counted and logged, the response is forwarded unchanged and undelayed (its body is
   * validated on a copy after it streams). `off`: responses are not checked. @default off
   */
  response_validation: z.enum(['off', 'report']).default('off'),
  /** Largest JSON response body validated, bytes; larger ones are forwarded unchecked and counted. @default 1048576 */
  max_response_bytes: z.number().int().min(1).max(104_857_600).default(1_048_576),
  /**
   * The parts of the OpenAPI document that operation schemas reference (`$ref: "#/components/schemas/User"`
   * points into this object), kept at their JSON pointers. Shared by every route, compiled once per version.
   */
  definitions: z
    .unknown()
    .refine(isObject, 'definitions is an object (a sparse copy of the OpenAPI document)')
    .optional()
    .describe('object'),
  /** The operation this route serves; without one the filter does nothing. */
  operation: operation.optional(),
})

/** Parsed `openapi_validation` config. */
export type OpenapiValidationConfig = z.output<typeof openapiValidationConfig>

/** The filter's own error codes. */
export const OPENAPI_ERRORS = {
  ERR_OPENAPI_INVALID_REQUEST: { status: 400, flag: 'DPE', title: 'The request does not match the API description' },
  ERR_OPENAPI_UNSUPPORTED_MEDIA_TYPE: { status: 415, flag: 'DPE', title: 'The request body has a media type this operation does not accept' },
} as const

export const OPENAPI_STATS = declareStats('openapi_validation', {
  valid: 'requests that matched their operation',
  invalid: 'requests refused with 400 ERR_OPENAPI_INVALID_REQUEST (mode enforce)',
  reported: 'invalid requests forwarded in mode report (logged)',
  unsupported_media_type: 'bodies of a media type the operation does not accept (415, or reported)',
  too_large: 'JSON bodies over max_body_bytes (413 ERR_BODY_TOO_LARGE)',
  response_valid: 'upstream responses that matched their operation (response_validation: report)',
  response_invalid: 'upstream responses that did not (status, media type or JSON body), logged and forwarded',
  response_too_large: 'JSON response bodies over max_response_bytes, forwarded unchecked',
})
