/**
 * openapi_validation's response validation (report only) through the gateway, against the real echo upstream on
 * 127.0.0.1: its JSON reply (what it received) is valid or not for the operation's response schema depending on
 * the request, and `x-upstream-behavior` picks the status and the streaming.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { convert } from '../../../src/cli/import/openapi/convert.ts'
import { captureLog } from '../../support/expect-log.ts'
import { makeGateway, publish, testEnv, upstreams } from '../../support/gateway.ts'

/** The echo upstream's reply, as the spec describes it: its `url` must be an item path without a query. */
const ECHO = { type: 'object', required: ['method', 'url'], properties: { method: { type: 'string', enum: ['GET'] }, url: { type: 'string', pattern: '^/v1/items/[0-9]+$' } } }
const SPEC = {
  openapi: '3.0.3',
  info: { title: 'Items', version: '1' },
  servers: [{ url: 'https://items.example.com/v1' }],
  paths: {
    '/items/{itemId}': {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Echo' } } } },
          '5XX': { description: 'failed', content: { 'application/problem+json': { schema: { type: 'object', required: ['code'] } } } },
          '302': { description: 'moved' },
        },
      },
    },
  },
  components: { schemas: { Echo: ECHO } },
}

function table(max = 1_048_576, validateResponses = true) {
  const { table, issues } = convert(SPEC, { cluster: { name: 'echo', url: upstreams().echo[0]! }, responses: validateResponses })
  expect(issues).toEqual([])
  const entry = (table.http_filters as { config: Record<string, unknown> }[])[0]!
  expect(entry.config.response_validation).toBe(validateResponses ? 'report' : undefined)
  entry.config.max_response_bytes = max
  return { gateway: { refresh_interval: '1s' }, ...table }
}

type Line = { msg: string; route: string; status: number; errors: { pointer: string; rule: string }[] }

/** One request through a fresh gateway: the client's body, then the background validation settled. */
async function exchange(path: string, behavior?: string) {
  const gw = makeGateway()
  const ctx = createExecutionContext()
  const req = new Request(`http://gw.test${path}`, behavior ? { headers: { 'x-upstream-behavior': behavior } } : {})
  const res = await gw.gateway.fetch(req, testEnv, ctx)
  const body = await res.text()
  await waitOnExecutionContext(ctx)
  const counters = gw.gateway.stats.counters
  const count = (name: string) => counters.get(`openapi_validation.response_${name}`) ?? 0
  return { res, body, valid: count('valid'), invalid: count('invalid'), tooLarge: count('too_large') }
}

describe('openapi_validation response_validation: report', () => {
  beforeEach(() => publish(table()))

  it('counts a response that matches its schema, and hands the client the upstream body unchanged', async () => {
    const log = captureLog()
    const r = await exchange('/v1/items/42')
    expect(r.res.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ method: 'GET', url: '/v1/items/42', server: 'echo-a' })
    expect({ valid: r.valid, invalid: r.invalid }).toEqual({ valid: 1, invalid: 0 })
    expect(log.lines()).toEqual([])
  })

  it('logs and counts a JSON body that does not match, forwarding it whole', async () => {
    const log = captureLog()
    const r = await exchange('/v1/items/42?x=1')
    expect(r.res.status).toBe(200)
    expect(JSON.parse(r.body).url).toBe('/v1/items/42?x=1')
    expect({ valid: r.valid, invalid: r.invalid }).toEqual({ valid: 0, invalid: 1 })
    const line = JSON.parse(log.lines()[0]!) as Line
    expect(line).toMatchObject({ msg: 'response does not match its OpenAPI operation (report mode)', route: 'getItem', status: 200 })
    expect(line.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(['/body/url pattern'])
  })

  it('validates a body streamed without a Content-Length (read on a copy, after the client has it)', async () => {
    captureLog()
    const ok = await exchange('/v1/items/7', 'slow=50')
    expect(JSON.parse(ok.body).url).toBe('/v1/items/7')
    expect({ valid: ok.valid, invalid: ok.invalid }).toEqual({ valid: 1, invalid: 0 })
    const bad = await exchange('/v1/items/7?q', 'slow=50')
    expect({ valid: bad.valid, invalid: bad.invalid }).toEqual({ valid: 0, invalid: 1 })
  })

  it('reports a status range whose media type differs, and a status the operation does not describe', async () => {
    const log = captureLog()
    const failed = await exchange('/v1/items/42', 'status=503')
    expect(failed.res.status).toBe(503)
    expect(JSON.parse(failed.body).url).toBe('/v1/items/42')
    const missing = await exchange('/v1/items/42', 'status=404')
    expect(missing.res.status).toBe(404)
    const lines = log.lines().map((l) => JSON.parse(l) as Line)
    expect(lines.map((l) => [l.status, l.errors.map((e) => `${e.pointer} ${e.rule}`)])).toEqual([
      [503, ['/header/content-type content-type']],
      [404, ['/status status']],
    ])
    expect(failed.invalid + missing.invalid).toBe(2)
    // A described status without content: nothing more to check.
    const moved = await exchange('/v1/items/42', 'redirect=/elsewhere')
    expect(moved.res.status).toBe(302)
    expect(moved.valid).toBe(1)
  })

  it('forwards a body over max_response_bytes unchecked, counting it', async () => {
    await publish(table(64))
    const log = captureLog()
    const r = await exchange('/v1/items/42?x=1')
    expect(JSON.parse(r.body).url).toBe('/v1/items/42?x=1')
    expect({ valid: r.valid, invalid: r.invalid, tooLarge: r.tooLarge }).toEqual({ valid: 0, invalid: 0, tooLarge: 1 })
    const streamed = await exchange('/v1/items/42?x=1', 'slow=20')
    expect(JSON.parse(streamed.body).url).toBe('/v1/items/42?x=1')
    expect(streamed.tooLarge).toBe(1)
    expect(log.lines()).toEqual([])
  })

  it('checks nothing unless the import asked for it', async () => {
    await publish(table(1_048_576, false))
    const log = captureLog()
    const r = await exchange('/v1/items/42?x=1', 'status=404')
    expect(r.res.status).toBe(404)
    expect({ valid: r.valid, invalid: r.invalid }).toEqual({ valid: 0, invalid: 0 })
    expect(log.lines()).toEqual([])
  })
})
