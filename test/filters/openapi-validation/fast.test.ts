import { dereference, validate, type Schema } from '@cfworker/json-schema'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileSchema } from '../../../src/filters/openapi-validation/compile.ts'
import { compileFast } from '../../../src/filters/openapi-validation/fast.ts'

const KEYS = ['a', 'b', 'c', 'd'] as const
const BASE = new URL('https://fast.legate.invalid/')

/** JSON values that the generated schemas talk about: few keys, edge numbers, strings of every length class. */
const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -0, 1, 1.5, -3, 2 ** 53, 1e400, -1e400, '', 'a', 'ab', 'x@y.example', 'not an email', '😀😀', 'abcdefgh'),
    fc.integer({ min: -10, max: 10 }),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
})).value

const scalarValues = fc.constantFrom(null, true, false, 0, 1, 'a', 'x@y.example', 1.5)
const num = fc.integer({ min: -3, max: 8 })

/** One keyword (or a pair that belongs together) of a schema node. */
const keyword = (schema: fc.Arbitrary<unknown>) =>
  fc.oneof(
    fc.record({ type: fc.constantFrom('integer', 'number', 'string', 'boolean', 'null', 'array', 'object') }),
    fc.record({ type: fc.uniqueArray(fc.constantFrom('integer', 'number', 'string', 'null', 'object'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ enum: fc.array(fc.oneof(scalarValues, fc.constant([1]), fc.constant({ a: 1 })), { minLength: 1, maxLength: 4 }) }),
    fc.record({ const: fc.oneof(scalarValues, fc.constant({ a: null })) }),
    fc.record({ minimum: num }),
    fc.record({ maximum: num }),
    fc.record({ exclusiveMinimum: num }),
    fc.record({ exclusiveMaximum: num }),
    fc.record({ minLength: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ maxLength: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ format: fc.constantFrom('email', 'date', 'no-such-format') }),
    fc.record({ required: fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 3 }) }),
    fc.record({ properties: fc.dictionary(fc.constantFrom(...KEYS), schema, { maxKeys: 3 }) }),
    fc.record({ additionalProperties: schema }),
    fc.record({ minProperties: fc.integer({ min: 0, max: 3 }), maxProperties: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ items: schema }),
    fc.record({ minItems: fc.integer({ min: 0, max: 3 }), maxItems: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ allOf: fc.array(schema, { minLength: 1, maxLength: 2 }) }),
    fc.record({ anyOf: fc.array(schema, { minLength: 1, maxLength: 3 }) }),
    fc.record({ oneOf: fc.array(schema, { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: schema }),
    fc.record({ $ref: fc.constantFrom('#/$defs/one', '#/$defs/two') }),
    fc.record({ description: fc.constant('an annotation'), example: fc.constant({ a: 1 }) }),
    // Left to the library: the node (multipleOf, uniqueItems, if/then) or the whole schema (unevaluatedProperties).
    fc.record({ multipleOf: fc.constantFrom(2, 0.5) }),
    fc.record({ uniqueItems: fc.boolean() }),
    fc.record({ if: schema, then: schema }),
    fc.record({ unevaluatedProperties: fc.boolean() }),
  )

/** Schemas over the subset the fast path compiles, plus a few keywords it leaves to the library. */
const schemas = fc.letrec((tie) => ({
  schema: fc.oneof({ maxDepth: 3, depthSize: 'small' }, fc.boolean(), tie('node'), tie('node'), tie('node')),
  node: fc.array(keyword(tie('schema')), { minLength: 1, maxLength: 4 }).map((parts) => Object.assign({}, ...parts) as Record<string, unknown>),
}))

/** A document with two shared definitions (which may reference each other and themselves) and a root schema. */
const documents = fc.record({ root: schemas.schema, one: schemas.schema, two: schemas.schema })

function outcome(run: () => boolean): boolean | 'throws' {
  try {
    return run()
  } catch {
    return 'throws'
  }
}

describe('openapi_validation fast path', () => {
  it('answers valid / invalid exactly as @cfworker/json-schema does (2020-12), for every generated schema and value', () => {
    let compiled = 0
    let runs = 0
    fc.assert(
      fc.property(documents, fc.array(values, { minLength: 1, maxLength: 6 }), ({ root, one, two }, instances) => {
        const doc = typeof root === 'boolean' ? { allOf: [root], $defs: { one, two } } : { ...(root as object), $defs: { one, two } }
        const lookup = dereference(structuredClone(doc) as Schema, Object.create(null), BASE)
        const schema = lookup[BASE.href]!
        const fast = compileFast(schema, lookup)
        runs++
        if (!fast) return
        compiled++
        for (const v of instances) {
          const reference = outcome(() => validate(v, schema, '2020-12', lookup, true).valid)
          // A schema that only refers to itself overflows the library's stack; no answer to compare with.
          if (reference !== 'throws') expect(outcome(() => fast(v)), JSON.stringify({ doc, v })).toBe(reference)
        }
      }),
      { numRuns: 1500 },
    )
    // Most generated schemas are in the subset: the property above really compared answers.
    expect(compiled).toBeGreaterThan(runs / 2)
  })

  it('agrees with the library on its edge cases: Infinity as an integer, -0, code points, unknown formats', () => {
    const edges: unknown[] = [Infinity, -Infinity, 1e400, -0, 0, 2 ** 53, 1.0, 1.5, '😀', '😀😀', 'ab', '', 'x@y.example', '..@y', null, [], {}]
    const schemas: Schema[] = [
      { type: 'integer' },
      { type: ['integer', 'string'] },
      { type: 'number', minimum: 0 },
      { exclusiveMaximum: 0 },
      { const: 0 },
      { enum: [0, 'ab', null] },
      { minLength: 2 },
      { maxLength: 1 },
      { format: 'email' },
      { format: 'no-such-format' },
      { format: 'toString' },
    ]
    for (const schema of schemas) {
      const lookup = dereference(structuredClone(schema), Object.create(null), BASE)
      const root = lookup[BASE.href]!
      const fast = compileFast(root, lookup)!
      for (const v of edges) expect(fast(v), JSON.stringify({ schema, v: String(v) })).toBe(validate(v, root, '2020-12', lookup, true).valid)
    }
  })

  it('falls back to the library for a schema the subset does not cover, with the same errors either way', () => {
    const definitions = { components: { schemas: { Even: { type: 'integer', multipleOf: 2 }, Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } }, unevaluatedProperties: false } } } }
    for (const [schema, ok, bad] of [
      [{ $ref: '#/components/schemas/Even' }, 4, 3],
      [{ $ref: '#/components/schemas/Node' }, { next: { next: {} } }, { next: { extra: 1 } }],
      [{ type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 }, tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' } } } }, { id: 1, tags: ['ab'] }, { id: 0, tags: ['A'] }],
    ] as const) {
      const fast = compileSchema(schema, definitions)
      const library = compileSchema(schema, definitions, { fast: false })
      expect(fast.check(ok)).toEqual([])
      expect(library.check(ok)).toEqual([])
      expect(fast.check(bad)).not.toEqual([])
      expect(fast.check(bad)).toEqual(library.check(bad))
    }
  })

  it('follows $ref cycles without recursing at compile time', () => {
    const definitions = { components: { schemas: { Tree: { type: 'object', required: ['v'], properties: { v: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } } } } }
    const tree = compileSchema({ $ref: '#/components/schemas/Tree' }, definitions)
    expect(tree.check({ v: 1, kids: [{ v: 2, kids: [{ v: 3 }] }] })).toEqual([])
    expect(tree.check({ v: 1, kids: [{ v: 2, kids: [{ v: 'x' }] }] })).toEqual([{ pointer: '/kids/0/kids/0/v', rule: 'type', message: 'Instance type "string" is invalid. Expected "integer".' }])
  })
})
