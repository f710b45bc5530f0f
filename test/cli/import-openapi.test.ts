/** `legate import openapi`: OpenAPI 3.0/3.1 → a route table that validates, stable re-imports, refusals with pointers. */
import { readFileSync, writeFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { largeSpec } from '../../bench/openapi-large-spec.ts'
import { legate, tempFiles } from './helpers.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures/openapi')
type Table = { http_filters?: unknown[]; clusters: { name: string; endpoints: { url: string }[] }[]; virtual_hosts: { domains: string[]; filters?: Record<string, { definitions: Record<string, unknown> }>; routes: Record<string, any>[] }[] }

async function importTo(spec: string, ...args: string[]): Promise<{ table: Table; text: string; out: string }> {
  const out = join(tempFiles(), 'routes.yaml')
  const r = await legate('import', 'openapi', spec, '-o', out, ...args)
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const text = readFileSync(out, 'utf8')
  return { table: parse(text) as Table, text, out }
}

describe('legate import openapi', () => {
  it('maps a 3.0 YAML spec with a relative-file $ref to one route per operation that `legate validate` accepts', async () => {
    const { table, out } = await importTo(join(FIXTURES, 'shop.yaml'), '--cluster', 'shop=http://127.0.0.1:9', '--host', 'shop.example.com')
    expect(table.clusters).toEqual([{ name: 'shop', endpoints: [{ url: 'http://127.0.0.1:9' }] }])
    const vh = table.virtual_hosts[0]!
    expect(vh.domains).toEqual(['shop.example.com'])
    // The literal /items/featured comes before the templated /items/{itemId}: Legate is first-match.
    expect(vh.routes.map((r) => `${r.name} ${r.match.methods[0]} ${r.match.template}`)).toEqual([
      'listItems GET /v1/items',
      'createItem POST /v1/items',
      'featuredItems GET /v1/items/featured',
      'getItem GET /v1/items/{itemId}',
      'delete_items_itemId DELETE /v1/items/{itemId}',
    ])
    expect(vh.routes.every((r) => r.forward.cluster === 'shop')).toBe(true)
    const create = vh.routes[1]!.filters.openapi_validation.operation
    expect(create.request_body.required).toBe(true)
    const item = create.request_body.content['application/json'].schema
    // OpenAPI 3.0's dialect is rewritten to JSON Schema: nullable → type array, boolean exclusiveMinimum → numeric.
    expect(item.properties.note).toEqual({ type: ['string', 'null'] })
    expect(item.properties.price).toEqual({ type: 'number', exclusiveMinimum: 0 })
    expect(vh.routes[3]!.filters.openapi_validation.operation.parameters.map((p: { name: string }) => p.name)).toEqual(['itemId', 'X-Trace'])
    const valid = await legate('validate', out)
    expect(valid.stderr).toBe('')
    expect(valid.code).toBe(0)
  })

  it('maps 3.1 JSON: server variables, type arrays, recursive $refs kept once as definitions, unused schemas left out', async () => {
    const { table, out } = await importTo(join(FIXTURES, 'pets.json'))
    expect(table.clusters[0]).toEqual({ name: 'pets', endpoints: [{ url: 'https://pets.example.com' }] })
    const vh = table.virtual_hosts[0]!
    expect(vh.routes[0]!.match).toEqual({ template: '/v2/pets/{p_pet_id}', methods: ['PUT'] })
    expect(vh.routes[0]!.filters.openapi_validation.operation.path).toBe('/v2/pets/{pet-id}')
    expect(vh.filters!.openapi_validation!.definitions).toEqual({
      components: { schemas: { Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, age: { type: ['integer', 'null'], minimum: 0 }, parent: { $ref: '#/components/schemas/Pet' } } } } },
    })
    expect((await legate('validate', out)).code).toBe(0)
  })

  it('lists what does not map with JSON pointers and exits 1 writing nothing; --allow-partial writes and warns', async () => {
    const dir = tempFiles()
    const spec = join(FIXTURES, 'unmappable.yaml')
    const r = await legate('import', 'openapi', spec, '-o', join(dir, 'out.yaml'))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${spec}#/servers/1/url: error: base path "/other" differs from "/api"`)
    expect(r.stderr).toContain(`${spec}#/security: error: security requirements are not enforced`)
    expect(r.stderr).toContain(`${spec}#/paths/~1search/get/parameters/0/style: error: style "deepObject" is not supported`)
    expect(r.stderr).toContain(`${spec}#/paths/~1upload/post/requestBody/content/multipart~1form-data/schema: error: bodies of multipart/form-data are accepted but not validated`)
    expect(r.stderr).toContain('4 part(s)')
    expect(() => readFileSync(join(dir, 'out.yaml'))).toThrow()

    const json = await legate('import', 'openapi', spec, '--json')
    expect(JSON.parse(json.stdout).issues).toHaveLength(4)

    const partial = await legate('import', 'openapi', spec, '-o', join(dir, 'out.yaml'), '--allow-partial', '--base-path', '/api')
    expect(partial.code).toBe(0)
    expect(partial.stderr).toContain('#/security: warning:')
    expect(partial.stderr).not.toContain('/servers/1/url')
    expect((await legate('validate', join(dir, 'out.yaml'))).code).toBe(0)
  })

  it('refuses Swagger 2.0, a missing file and a bad --cluster with their exit codes', async () => {
    const dir = tempFiles({ 'swagger.json': JSON.stringify({ swagger: '2.0', info: { title: 'x', version: '1' }, paths: {} }) })
    const swagger = await legate('import', 'openapi', join(dir, 'swagger.json'))
    expect(swagger.code).toBe(1)
    expect(swagger.stderr).toContain('#/swagger: error: Swagger 2.0 is not supported')
    expect((await legate('import', 'openapi', join(dir, 'nope.yaml'))).code).toBe(2)
    const bad = await legate('import', 'openapi', join(FIXTURES, 'shop.yaml'), '--cluster', 'shop')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('expected NAME=URL')
    expect((await legate('import', 'nope')).code).toBe(2)
  })

  it('re-importing a changed spec changes only the lines of what changed, in a stable place', async () => {
    const spec = parse(readFileSync(join(FIXTURES, 'shop.yaml'), 'utf8')) as { paths: Record<string, unknown> }
    const dir = tempFiles({ 'schemas.yaml': readFileSync(join(FIXTURES, 'schemas.yaml'), 'utf8') })
    writeFileSync(join(dir, 'shop.yaml'), stringify(spec))
    const before = (await importTo(join(dir, 'shop.yaml'))).text
    expect((await importTo(join(dir, 'shop.yaml'))).text).toBe(before)
    // A new operation, added at the end of the spec, lands where its path sorts; nothing else moves.
    spec.paths = { ...spec.paths, '/items/{itemId}/reviews': { get: { operationId: 'listReviews', responses: { '200': { description: 'ok' } } } } }
    writeFileSync(join(dir, 'shop.yaml'), stringify(spec))
    const after = (await importTo(join(dir, 'shop.yaml'))).text.split('\n')
    const old = before.split('\n')
    const start = after.indexOf('      - name: listReviews')
    expect(start).toBeGreaterThan(0)
    expect(after.slice(start, start + 3)).toEqual(['      - name: listReviews', '        match: { template: "/v1/items/{itemId}/reviews", methods: [ GET ] }', '        forward: { cluster: shop-api }'])
    expect(after.slice(0, start)).toEqual(old.slice(0, start))
    expect(after.slice(start + 3)).toEqual(old.slice(start))
  })

  it('imports a 1,000-operation spec, and the table validates (its time is measured in docs/import-openapi.md, not here)', async () => {
    const dir = tempFiles({ 'large.yaml': stringify(largeSpec(1000)) })
    const { table, out } = await importTo(join(dir, 'large.yaml'))
    expect(table.virtual_hosts[0]!.routes).toHaveLength(1000)
    expect(Object.keys((table.virtual_hosts[0]!.filters!.openapi_validation!.definitions as any).components.schemas)).toHaveLength(252)
    expect((await legate('validate', out)).code).toBe(0)
  })

  it('imports a large real description (DigitalOcean, 659 operations), listing what does not map, and the table validates', async () => {
    const dir = tempFiles({ 'digitalocean.json': gunzipSync(readFileSync(join(FIXTURES, 'digitalocean.json.gz'))).toString('utf8') })
    const spec = join(dir, 'digitalocean.json')
    const refused = await legate('import', 'openapi', spec, '--json')
    expect(refused.code).toBe(1)
    const report = JSON.parse(refused.stdout) as { operations: number; issues: { pointer: string; message: string }[] }
    expect(report.operations).toBe(659)
    expect(report.issues.map((i) => `${i.pointer} ${i.message.replace(/: add .*$/, '')}`)).toEqual([
      '/security security requirements are not enforced by the imported table',
      // The description writes `properties: { $ref: … }`: a property named "$ref" whose schema is a string.
      '/paths/~1v2~1load_balancers/post/requestBody/content/application~1json/schema/oneOf/0/allOf/0/properties/$ref a schema must be an object or a boolean',
      '/paths/~1v2~1load_balancers~1{lb_id}~1droplets/delete/requestBody/content/application~1json/schema/properties/$ref a schema must be an object or a boolean',
      '/paths/~1<upload_url>/put/servers/0/url "https://" is not a URL',
      '/paths/~1<upload_url>/put/requestBody/content/application~1octet-stream/schema bodies of application/octet-stream are accepted but not validated (only JSON bodies are)',
    ])
    const out = join(dir, 'routes.yaml')
    const partial = await legate('import', 'openapi', spec, '-o', out, '--allow-partial', '--validate-responses')
    expect(partial.code).toBe(0)
    const table = parse(readFileSync(out, 'utf8')) as Table
    expect(table.virtual_hosts[0]!.routes).toHaveLength(659)
    expect(table.virtual_hosts[0]!.routes.filter((r) => r.filters?.openapi_validation.operation.responses).length).toBe(659)
    const valid = await legate('validate', out)
    expect(valid.stderr).toBe('')
    expect(valid.code).toBe(0)
  })

    it('--validate-responses writes each operation\'s responses ($refs followed) and turns response validation on', async () => {
    const spec = {
      openapi: '3.0.3',
      info: { title: 'Items', version: '1' },
      servers: [{ url: 'https://items.example.com' }],
      paths: {
        '/items/{id}': {
          get: {
            operationId: 'getItem',
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
            responses: {
              '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } }, 'text/csv': {} } },
              '4XX': { $ref: '#/components/responses/Problem' },
              'x-internal': true,
            },
          },
          delete: { operationId: 'deleteItem', responses: { '204': { description: 'deleted' } } },
        },
      },
      components: {
        schemas: { Item: { type: 'object', properties: { note: { type: 'string', nullable: true } } } },
        responses: { Problem: { description: 'failed', content: { 'application/problem+json': { schema: { type: 'object', required: ['code'] } } } } },
      },
    }
    const dir = tempFiles({ 'items.json': JSON.stringify(spec) })
    const plain = await importTo(join(dir, 'items.json'))
    expect(plain.text).not.toContain('responses')
    const { table, out } = await importTo(join(dir, 'items.json'), '--validate-responses')
    expect(table.http_filters).toEqual([{ name: 'openapi_validation', config: { mode: 'enforce', response_validation: 'report' } }])
    const [get, del] = table.virtual_hosts[0]!.routes.map((r) => r.filters.openapi_validation.operation)
    expect(get.responses).toEqual({
      '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } }, 'text/csv': {} } },
      '4XX': { content: { 'application/problem+json': { schema: { type: 'object', required: ['code'] } } } },
    })
    expect(del).toEqual({ path: '/items/{id}', responses: { '204': { content: {} } } })
    // The referenced schema is kept once, in the 3.0 dialect rewritten (nullable → a type list).
    expect(table.virtual_hosts[0]!.filters!.openapi_validation!.definitions).toEqual({ components: { schemas: { Item: { type: 'object', properties: { note: { type: ['string', 'null'] } } } } } })
    expect((await legate('validate', out)).code).toBe(0)
  })
})
