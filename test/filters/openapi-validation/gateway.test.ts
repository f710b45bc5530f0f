/**
 * openapi_validation through the gateway: a spec converted by the importer's own code (src/cli/import/openapi,
 * pure), published, and requests sent to a real echo upstream.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { convert } from '../../../src/cli/import/openapi/convert.ts'
import { captureLog } from '../../support/expect-log.ts'
import { echoOf, makeGateway, publish, upstreams } from '../../support/gateway.ts'

const SHOP = {
  openapi: '3.0.3',
  info: { title: 'Shop', version: '1' },
  servers: [{ url: 'https://shop.example.com/v1' }],
  paths: {
    '/items': {
      get: {
        operationId: 'listItems',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'tags', in: 'query', schema: { type: 'array', items: { type: 'string', enum: ['new', 'sale'] } } },
          { name: 'ids', in: 'query', explode: false, schema: { type: 'array', items: { type: 'integer' } } },
          { name: 'X-Trace', in: 'header', schema: { type: 'string', format: 'uuid' } },
          { name: 'session', in: 'cookie', required: true, schema: { type: 'string', minLength: 4 } },
        ],
        responses: { '200': { description: 'ok' } },
      },
      post: {
        operationId: 'createItem',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
        responses: { '201': { description: 'created' } },
      },
    },
    '/items/{itemId}': {
      parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: { operationId: 'getItem', responses: { '200': { description: 'ok' } } },
    },
  },
  components: {
    schemas: {
      Tag: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      Item: {
        type: 'object',
        required: ['name', 'price'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z ]+$' },
          price: { type: 'number', minimum: 0, exclusiveMinimum: true },
          note: { type: 'string', nullable: true },
          tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } },
          size: { oneOf: [{ type: 'string', enum: ['S', 'M', 'L'] }, { type: 'integer', minimum: 30 }] },
          owner: { allOf: [{ $ref: '#/components/schemas/Tag' }], nullable: true },
        },
      },
    },
  },
}

const PETS = {
  openapi: '3.1.0',
  info: { title: 'Pets', version: '1' },
  paths: {
    '/pets/{pet-id}': {
      put: {
        operationId: 'replacePet',
        parameters: [{ name: 'pet-id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{8}$' } }],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
  components: {
    schemas: {
      Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, age: { type: ['integer', 'null'] }, parent: { $ref: '#/components/schemas/Pet' } } },
    },
  },
}

function tableOf(spec: unknown, mode: 'enforce' | 'report' = 'enforce', max = 1_048_576) {
  const { table, issues } = convert(spec, { cluster: { name: 'echo', url: upstreams().echo[0]! } })
  expect(issues).toEqual([])
  ;(table.http_filters as { config: Record<string, unknown> }[])[0]!.config = { mode, max_body_bytes: max }
  return { gateway: { refresh_interval: '1s' }, ...table }
}

type Problem = { code: string; errors: { pointer: string; rule: string; message: string }[] }
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
const COOKIE = { cookie: 'session=abcd' }

describe('openapi_validation (enforce)', () => {
  beforeEach(() => publish(tableOf(SHOP)))

  it('forwards valid requests untouched: parameters of every kind, and the JSON body byte for byte', async () => {
    const gw = makeGateway()
    const get = await gw.fetch('/v1/items?limit=5&tags=new&tags=sale&ids=1,2,3', { headers: { 'x-trace': '7f1f3a8e-2b1c-4e5d-9a6b-1c2d3e4f5a6b', ...COOKIE } })
    expect(get.status).toBe(200)
    expect((await echoOf(get)).url).toBe('/v1/items?limit=5&tags=new&tags=sale&ids=1,2,3')
    const body = '{"name":"Blue mug","price":9.5,"note":null,"tags":[{"name":"kitchen"}],"size":"M","owner":null}'
    const post = await gw.fetch('/v1/items', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } })
    expect(post.status).toBe(200)
    const echoed = await echoOf(post)
    expect(echoed.method).toBe('POST')
    expect(echoed.body).toBe(body)
    expect((await gw.fetch('/v1/items/42')).status).toBe(200)
  })

  it('answers 400 listing every parameter error with its pointer and rule', async () => {
    const res = await makeGateway().fetch('/v1/items?limit=0&tags=old&ids=1,x', { headers: { 'x-trace': 'not-a-uuid', cookie: 'session=ab' } })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('x-legate-response-flags')).toBe('DPE')
    const p = (await res.json()) as Problem
    expect(p.code).toBe('ERR_OPENAPI_INVALID_REQUEST')
    expect(p.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(['/query/limit minimum', '/query/tags/0 enum', '/query/ids/1 type', '/header/x-trace format', '/cookie/session minLength'])
    const missing = (await (await makeGateway().fetch('/v1/items')).json()) as Problem
    expect(missing.errors).toEqual([{ pointer: '/cookie/session', rule: 'required', message: 'the cookie parameter "session" is required' }])
    const path = (await (await makeGateway().fetch('/v1/items/abc')).json()) as Problem
    expect(path.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(['/path/itemId type'])
  })

  it('lists every body error: pattern, bounds, additionalProperties, nested $ref required, oneOf, nullable (an anyOf: the errors of its alternatives are not listed)', async () => {
    const res = await makeGateway().fetch('/v1/items', json({ name: 'mug 2', price: 0, extra: 1, tags: [{ name: 'a' }, {}], size: 10, note: 3, owner: {} }))
    expect(res.status).toBe(400)
    const p = (await res.json()) as Problem
    expect(p.errors.map((e) => `${e.pointer} ${e.rule}`).sort()).toEqual(
      ['/body/name pattern', '/body/price exclusiveMinimum', '/body/extra additionalProperties', '/body/tags/1/name required', '/body/size oneOf', '/body/note type', '/body/owner anyOf'].sort()
    )
  })

  it('refuses a missing required body, a body that is not JSON, a media type not accepted (415) and one over the limit (413)', async () => {
    const gw = makeGateway()
    const none = (await (await gw.fetch('/v1/items', { method: 'POST' })).json()) as Problem
    expect(none.errors).toEqual([{ pointer: '/body', rule: 'required', message: 'this operation requires a request body' }])
    const broken = (await (await gw.fetch('/v1/items', { method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json' } })).json()) as Problem
    expect(broken.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(['/body json'])
    const text = await gw.fetch('/v1/items', { method: 'POST', body: 'name=x', headers: { 'content-type': 'text/plain' } })
    expect(text.status).toBe(415)
    expect(((await text.json()) as Problem).code).toBe('ERR_OPENAPI_UNSUPPORTED_MEDIA_TYPE')
    await publish(tableOf(SHOP, 'enforce', 16))
    const big = await makeGateway().fetch('/v1/items', json({ name: 'a very long name indeed', price: 1 }))
    expect(big.status).toBe(413)
    expect(((await big.json()) as Problem).code).toBe('ERR_BODY_TOO_LARGE')
  })
})

describe('openapi_validation (report)', () => {
  it('forwards invalid requests, logging each with its errors', async () => {
    await publish(tableOf(SHOP, 'report', 16))
    const log = captureLog()
    const gw = makeGateway()
    const res = await gw.fetch('/v1/items?limit=500', { headers: COOKIE })
    expect(res.status).toBe(200)
    const line = JSON.parse(log.lines()[0]!) as { msg: string; route: string; errors: Problem['errors'] }
    expect(line.msg).toBe('request does not match its OpenAPI operation (report mode)')
    expect(line.route).toBe('listItems')
    expect(line.errors.map((e) => e.pointer)).toEqual(['/query/limit'])
    // Over max_body_bytes in report mode: not validated, forwarded whole (what was read, then the rest).
    const body = JSON.stringify({ name: 'x'.repeat(100_000), price: 1 })
    const big = await gw.fetch('/v1/items', { method: 'POST', body: new Blob([body]).stream(), headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit)
    expect(big.status).toBe(200)
    expect((await echoOf(big)).bodyBytes).toBe(body.length)
    expect(log.lines()).toHaveLength(1)
  })
})

describe('openapi_validation (3.1)', () => {
  it('checks path patterns in RE2, type arrays and recursive $refs', async () => {
    await publish(tableOf(PETS))
    const gw = makeGateway()
    expect((await gw.fetch('/pets/0a1b2c3d', { ...json({ name: 'Rex', age: null, parent: { name: 'Max', parent: { name: 'Old' } } }), method: 'PUT' })).status).toBe(200)
    const res = await gw.fetch('/pets/XYZ', { ...json({ name: 'Rex', age: 'two', parent: { parent: {} } }), method: 'PUT' })
    const p = (await res.json()) as Problem
    expect(p.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(['/path/pet-id pattern', '/body/age type', '/body/parent/name required', '/body/parent/parent/name required'])
  })
})
