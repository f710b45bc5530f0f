import { describe, expect, it } from 'vitest'
import { extAuthzFilter, type ExtAuthzState } from '../../../src/filters/ext-authz/index.ts'
import type { RequestContext } from '../../../src/filters/types.ts'
import type { StatsStore } from '../../../src/observability/stats.ts'
import { captureLog } from '../../support/expect-log.ts'
import { upstreams } from '../../support/gateway.ts'
import { build, type ContextInit, expectProblem, makeContext } from '../_context.ts'
import { authz, onlyRecord, records, uniquePath } from './_authz.ts'

const count = (rc: RequestContext, name: string) => (rc.stats as StatsStore).counters.get(name) ?? 0
const state = (rc: RequestContext) => rc.state.ext_authz as ExtAuthzState

async function check(config: Record<string, unknown>, init: ContextInit) {
  const rc = makeContext(init)
  const res = await build(extAuthzFilter, { url: authz(), ...config }).onRequest!(rc)
  return { rc, res: res ?? undefined }
}

describe('ext_authz: the check request', () => {
  it('sends method, prefixed path and query, Authorization, x-forwarded-host and allowed headers only', async () => {
    const path = uniquePath('/orders')
    const { rc, res } = await check(
      { path_prefix: '/check', allowed_headers: ['X-User-Hint', { prefix: 'x-tenant-' }], headers_to_add: [{ key: 'x-gateway-secret', value: 'sesame' }] },
      {
        url: `${path}?id=7&q=a%20b`,
        method: 'DELETE',
        headers: { authorization: 'Bearer t', cookie: 'sid=1', 'x-user-hint': 'h', 'x-tenant-id': 'acme', 'x-other': 'no' },
      }
    )
    expect(res).toBeUndefined()
    const seen = await onlyRecord(path)
    expect(seen.method).toBe('DELETE')
    expect(seen.url).toBe(`/check${path}?id=7&q=a%20b`)
    expect(seen.headers).toMatchObject({ authorization: 'Bearer t', 'x-user-hint': 'h', 'x-tenant-id': 'acme', 'x-forwarded-host': 'gw.test', 'x-gateway-secret': 'sesame', 'content-length': '0' })
    expect(seen.headers.cookie).toBeUndefined()
    expect(seen.headers['x-other']).toBeUndefined()
    expect(seen.bodyBytes).toBe(0)
    expect(count(rc, 'ext_authz.ok')).toBe(1)
    expect(state(rc)).toEqual({ outcome: 'ok' })
  })

  it('sends a header sent on two lines as one joined value (policy and upstream see the same thing)', async () => {
    const path = uniquePath()
    const headers = new Headers([['x-role', 'user'], ['x-role', 'admin']])
    await check({ allowed_headers: ['x-role'] }, { url: path, headers })
    expect((await onlyRecord(path)).headers['x-role']).toBe('user, admin')
  })

  it('never forwards client copies of gateway control headers (removed at ingress)', async () => {
    const path = uniquePath()
    await check({ allowed_headers: [{ prefix: 'x-legate-' }] }, { url: path, headers: { 'x-legate-consumer': 'admin' } })
    expect((await onlyRecord(path)).headers['x-legate-consumer']).toBeUndefined()
  })
})

describe('ext_authz: allow', () => {
  it('copies allowed_upstream_headers from the answer onto the upstream request, overriding the client', async () => {
    const path = uniquePath()
    const { rc, res } = await check(
      { allowed_upstream_headers: ['x-authz-user', { prefix: 'x-legate-' }, 'content-type', 'content-length'] },
      { url: path, headers: { 'x-authz-user': 'mallory', 'x-authz-secret': 'mine' } }
    )
    expect(res).toBeUndefined()
    expect(rc.headers.get('x-authz-user')).toBe('alice')
    expect(rc.headers.get('x-legate-consumer')).toBe('from-authz')
    expect(rc.headers.get('x-authz-secret')).toBe('mine')
    expect(rc.headers.get('content-type')).toBe('text/plain')
    expect(rc.headers.has('content-length')).toBe(false)
    expect(rc.flags.size).toBe(0)
  })

  it('copies nothing by default, and treats any 2xx as allow', async () => {
    const { rc, res } = await check({}, { url: `${uniquePath()}?authz=allow-204` })
    expect(res).toBeUndefined()
    expect(rc.headers.has('x-authz-user')).toBe(false)
    expect(count(rc, 'ext_authz.ok')).toBe(1)
  })
})

describe('ext_authz: deny', () => {
  it('answers with the service status, body and headers (all but hop-by-hop by default), flag UAEX', async () => {
    const { rc, res } = await check({}, { url: `${uniquePath()}?authz=deny` })
    expect(res!.status).toBe(403)
    expect(await res!.json()).toEqual({ denied: true, reason: 'policy' })
    expect(res!.headers.get('content-type')).toBe('application/json')
    expect(res!.headers.get('x-authz-reason')).toBe('policy')
    expect(res!.headers.get('x-internal')).toBe('leak')
    expect([...res!.headers].filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2'])
    expect(res!.headers.get('x-legate-response-flags')).toBe('UAEX')
    expect(res!.headers.get('x-request-id')).toBe('req-1')
    expect(res!.headers.has('connection')).toBe(false)
    expect([...rc.flags]).toEqual(['UAEX'])
    expect(count(rc, 'ext_authz.denied')).toBe(1)
  })

  it('passes only allowed_client_headers when set', async () => {
    const { res } = await check({ allowed_client_headers: ['WWW-Authenticate', 'content-type'] }, { url: `${uniquePath()}?authz=deny-401` })
    expect(res!.status).toBe(401)
    expect(res!.headers.get('www-authenticate')).toBe('Bearer realm="authz"')
    expect(res!.headers.has('x-internal')).toBe(false)
    expect(res!.headers.has('set-cookie')).toBe(false)
    expect(res!.headers.get('content-type')).toBe('application/json')
  })

  it('answers a problem body with the service status when the service sent no body', async () => {
    const { res } = await check({}, { url: `${uniquePath()}?authz=deny-empty-429` })
    await expectProblem(res!, { status: 429, code: 'ERR_EXT_AUTHZ_DENIED', flag: 'UAEX' })
    expect(res!.headers.get('x-authz-reason')).toBe('policy')
  })

  it('passes a redirect to the client (e.g. to a login page)', async () => {
    const { res } = await check({}, { url: `${uniquePath()}?authz=redirect` })
    expect(res!.status).toBe(302)
    expect(res!.headers.get('location')).toBe('/login')
  })
})

describe('ext_authz: failures', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['a 500 answer', {}, 'error-500', 'the service answered 500'],
    ['a 503 answer', {}, 'error-503', 'the service answered 503'],
    ['no answer within the timeout', { timeout: '50ms' }, 'hang', 'no answer within 50 ms'],
    ['a reset connection', {}, 'reset', 'the service is unreachable'],
    ['a deny body over 64 KiB', {}, 'big-deny', 'deny body is over 65536 bytes'],
  ]
  it.each(cases)('%s answers 403 ERR_EXT_AUTHZ_ERROR (failure_mode_allow false)', async (_name, config, behavior, reason) => {
    const log = captureLog()
    const { rc, res } = await check(config, { url: `${uniquePath()}?authz=${behavior}` })
    await expectProblem(res!, { status: 403, code: 'ERR_EXT_AUTHZ_ERROR', flag: 'UAEX' })
    expect(state(rc).reason).toContain(reason)
    expect(count(rc, 'ext_authz.error')).toBe(1)
    expect(count(rc, 'ext_authz.failure_mode_allowed')).toBe(0)
    expect(log.msgs()).toEqual(['ext_authz: check failed'])
  })

  it('answers status_on_error when set, and fails on a refused connection', async () => {
    const log = captureLog()
    const rc = makeContext({ url: uniquePath() })
    const res = await build(extAuthzFilter, { url: upstreams().refused, status_on_error: 503 }).onRequest!(rc)
    await expectProblem(res as Response, { status: 503, code: 'ERR_EXT_AUTHZ_ERROR', flag: 'UAEX' })
    expect(state(rc).reason).toContain('unreachable')
    expect(log.msgs()).toEqual(['ext_authz: check failed'])
  })

  it.each(cases)('%s lets the request through with failure_mode_allow, counted', async (_name, config, behavior) => {
    const log = captureLog()
    const { rc, res } = await check({ ...config, failure_mode_allow: true }, { url: `${uniquePath()}?authz=${behavior}` })
    expect(res).toBeUndefined()
    expect(count(rc, 'ext_authz.error')).toBe(1)
    expect(count(rc, 'ext_authz.failure_mode_allowed')).toBe(1)
    expect(state(rc).outcome).toBe('failure_mode_allowed')
    expect(rc.flags.size).toBe(0)
    expect(log.msgs()).toEqual(['ext_authz: check failed'])
  })

  it('a denial is not a failure: failure_mode_allow does not let it through', async () => {
    const { res } = await check({ failure_mode_allow: true }, { url: `${uniquePath()}?authz=deny` })
    expect(res!.status).toBe(403)
  })
})
