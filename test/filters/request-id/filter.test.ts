import { describe, expect, it } from 'vitest'
import { requestIdFilter } from '../../../src/filters/request-id/index.ts'
import { build, makeContext, run } from '../_context.ts'

describe('request_id', () => {
  it('echoes the request id on the response, overwriting an upstream x-request-id', async () => {
    const filter = build(requestIdFilter, {})
    const upstream = () => new Response('ok', { headers: { 'x-request-id': 'upstream-made' } })
    const { response } = await run(filter, makeContext({ requestId: 'abc' }), upstream)
    expect(response.headers.get('x-request-id')).toBe('abc')
  })

  it('copies the id to extra upstream headers, overwriting client values', async () => {
    const filter = build(requestIdFilter, { also_as: ['X-Correlation-Id', 'x-correlation-id', 'x-trace'] })
    const rc = makeContext({ requestId: 'abc', headers: { 'x-correlation-id': 'forged' } })
    await run(filter, rc)
    expect(rc.headers.get('x-correlation-id')).toBe('abc')
    expect(rc.headers.get('x-trace')).toBe('abc')
  })

  it('has no request phase without also_as, and no response phase with set_in_response: false', async () => {
    expect(build(requestIdFilter, {}).onRequest).toBeUndefined()
    const quiet = build(requestIdFilter, { set_in_response: false })
    expect(quiet.onResponse).toBeUndefined()
    const { response } = await run(quiet, makeContext())
    expect(response.headers.has('x-request-id')).toBe(false)
  })
})
