/** OpenAPI parameter serialization (style, explode) and coercion to the schema's types, case by case. */
import { describe, expect, it } from 'vitest'
import type { Parameter } from '../../../src/filters/openapi-validation/config.ts'
import { compilePath, deserialize, parseCookies, queryValue, shapeOf } from '../../../src/filters/openapi-validation/params.ts'

const param = (p: Partial<Parameter> & Pick<Parameter, 'in'>): Parameter => ({ name: 'p', required: false, ...p })
const obj = { type: 'object', properties: { r: { type: 'integer' }, g: { type: 'string' } } }
const arr = { type: 'array', items: { type: 'integer' } }

describe('openapi_validation parameters', () => {
  it.each([
    ['simple array (path, header)', param({ in: 'header' }), arr, '1, 2,3', [1, 2, 3]],
    ['simple object, explode false', param({ in: 'path' }), obj, 'r,100,g,x', { r: 100, g: 'x' }],
    ['simple object, explode true', param({ in: 'path', explode: true }), obj, 'r=100,g=x', { r: 100, g: 'x' }],
    ['form array, explode false', param({ in: 'query', explode: false }), arr, '3,4', [3, 4]],
    ['spaceDelimited array', param({ in: 'query', style: 'spaceDelimited', explode: false }), arr, '3 4', [3, 4]],
    ['pipeDelimited array', param({ in: 'query', style: 'pipeDelimited', explode: false }), arr, '3|4', [3, 4]],
    ['a number that is not one stays a string', param({ in: 'query' }), { type: 'integer' }, '1e', '1e'],
    ['a boolean', param({ in: 'query' }), { type: 'boolean' }, 'false', false],
    ['a type array', param({ in: 'query' }), { type: ['integer', 'null'] }, '7', 7],
    ['a $ref into the definitions', param({ in: 'query' }), { $ref: '#/components/schemas/N' }, '7', 7],
  ])('%s', (_, p, schema, raw, expected) => {
    const shape = shapeOf(schema, { components: { schemas: { N: { type: 'number' } } } })
    expect(deserialize(raw, p, shape)).toEqual(expected)
  })

  it('reads exploded form arrays and objects from the query (the default)', () => {
    const q = new URLSearchParams('t=1&t=2&r=5&g=y&one=9')
    expect(queryValue(q, param({ in: 'query', name: 't' }), shapeOf(arr, {}))).toEqual([1, 2])
    expect(queryValue(q, param({ in: 'query', name: 'one' }), shapeOf(arr, {}))).toEqual([9])
    expect(queryValue(q, param({ in: 'query', name: 'color' }), shapeOf(obj, {}))).toEqual({ r: 5, g: 'y' })
    expect(queryValue(q, param({ in: 'query', name: 'absent' }), shapeOf(arr, {}))).toBeUndefined()
  })

  it('reads cookies and path captures (percent-decoded, by position)', () => {
    expect(parseCookies('a=1; b=two; a=3')).toEqual(new Map([['a', '1'], ['b', 'two']]))
    const match = compilePath('/v1/files/{file-name}.{ext}/x')
    expect(match('/v1/files/my%20doc.txt/x')).toEqual(new Map([['file-name', 'my doc'], ['ext', 'txt']]))
    expect(match('/v1/files/a/b.txt/x')).toBeUndefined()
  })
})
