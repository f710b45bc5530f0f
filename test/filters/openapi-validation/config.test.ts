import { describe, expect, it } from 'vitest'
import { openapiValidationConfig, openapiValidationFilter } from '../../../src/filters/openapi-validation/index.ts'
import { isFilterConfigError } from '../../../src/filters/types.ts'
import { describeConfig } from '../_config.ts'

describe('openapi_validation', () => {
  describeConfig(openapiValidationConfig, {
    valid: [
      { name: 'an empty config (does nothing)', input: {}, expect: { mode: 'enforce', max_body_bytes: 1_048_576 } },
      { name: 'shared definitions only', input: { mode: 'report', definitions: { components: { schemas: {} } } } },
      {
        name: 'an operation',
        input: { operation: { path: '/a/{id}', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }], request_body: { content: { 'application/json': { schema: true } } } } },
      },
    ],
    invalid: [
      { name: 'an unknown mode', input: { mode: 'strict' }, error: 'mode' },
      { name: 'a parameter in the body', input: { operation: { path: '/', parameters: [{ name: 'x', in: 'body' }] } }, error: 'operation.parameters.0.in' },
      { name: 'an unsupported style', input: { operation: { path: '/', parameters: [{ name: 'x', in: 'query', style: 'deepObject' }] } }, error: 'style' },
      { name: 'a schema that is a string', input: { operation: { path: '/', parameters: [{ name: 'x', in: 'query', schema: 'integer' }] } }, error: 'a JSON Schema is an object or a boolean' },
      { name: 'definitions that are a list', input: { definitions: [] }, error: 'definitions is an object' },
      { name: 'a relative path', input: { operation: { path: 'a' } }, error: 'operation.path' },
    ],
  })

  it('refuses, at compile time, a pattern RE2 cannot run in linear time, naming the field', () => {
    const config = openapiValidationConfig.parse({ operation: { path: '/', parameters: [{ name: 'x', in: 'query', schema: { type: 'string', pattern: '(a+)\\1' } }] } })
    let error: unknown
    try {
      openapiValidationFilter.create(config, { scope: 'test' })
    } catch (e) {
      error = e
    }
    expect(isFilterConfigError(error)).toBe(true)
    expect((error as Error).message).toContain('backreference')
  })
})
