import { describe, expect, it } from 'vitest'
import { corsFilter } from '../../../src/filters/cors/index.ts'
import { build, type ContextInit, expectProblem, makeContext, run } from '../_context.ts'

const APP = 'https://app.test'
const policy = {
  allow_origin_string_match: [{ exact: APP }, { suffix: '.partner.test' }],
  allow_methods: 'GET,PUT',
  allow_headers: 'content-type, x-api-key',
  expose_headers: 'x-request-id',
  max_age: '600',
}
const preflight = (origin: string, extra: Record<string, string> = {}): ContextInit => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'PUT', ...extra },
})
const cors = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('access-control-') || k === 'vary'))

describe('cors preflight', () => {
  it('answers an allowed preflight locally with the configured policy', async () => {
    const { response, local } = await run(build(corsFilter, policy), makeContext(preflight(APP)))
    expect(local).toBe(true)
    expect(response.status).toBe(200)
    expect(cors(response)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'content-type, x-api-key',
      'access-control-max-age': '600',
      vary: 'Origin',
    })
    expect(await response.text()).toBe('')
  })

  it('echoes the requested headers when allow_headers is unset or "*", and the method for "*"', async () => {
    const init = preflight('https://x.partner.test', { 'access-control-request-headers': 'x-one, x-two' })
    for (const cfg of [{}, { allow_headers: '*', allow_methods: '*' }]) {
      const { response } = await run(build(corsFilter, { allow_origin_string_match: policy.allow_origin_string_match, ...cfg }), makeContext(init))
      expect(response.headers.get('access-control-allow-headers')).toBe('x-one, x-two')
      expect(response.headers.get('vary')).toContain('Access-Control-Request-Headers')
    }
    const star = await run(build(corsFilter, { allow_origin_string_match: [{ exact: '*' }], allow_methods: '*' }), makeContext(init))
    expect(star.response.headers.get('access-control-allow-methods')).toBe('PUT')
    const unset = await run(build(corsFilter, { allow_origin_string_match: [{ exact: '*' }] }), makeContext(init))
    expect(unset.response.headers.has('access-control-allow-methods')).toBe(false)
  })

  it('adds allow-credentials, and allow-private-network only when requested and enabled', async () => {
    const init = preflight(APP, { 'access-control-request-private-network': 'true' })
    const on = await run(build(corsFilter, { ...policy, allow_credentials: true, allow_private_network_access: true }), makeContext(init))
    expect(on.response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(on.response.headers.get('access-control-allow-private-network')).toBe('true')
    const off = await run(build(corsFilter, policy), makeContext(init))
    expect(off.response.headers.has('access-control-allow-private-network')).toBe(false)
    expect(off.response.headers.has('access-control-allow-credentials')).toBe(false)
  })

  it('forwards a preflight from a disallowed origin by default, without CORS headers', async () => {
    const rc = makeContext(preflight('https://evil.test'))
    const { response, local } = await run(build(corsFilter, policy), rc)
    expect(local).toBe(false)
    expect(response.headers.has('access-control-allow-origin')).toBe(false)
    expect(rc.state.cors).toEqual({ origin: 'https://evil.test', allowed: false, preflight: true })
  })

  it('answers 403 ERR_CORS_FORBIDDEN for a disallowed preflight when forward_not_matching_preflights is false', async () => {
    const filter = build(corsFilter, { ...policy, forward_not_matching_preflights: false })
    const { response } = await run(filter, makeContext({ ...preflight('https://evil.test'), requestId: 'r-403' }))
    const body = await expectProblem(response, { status: 403, code: 'ERR_CORS_FORBIDDEN', requestId: 'r-403' })
    expect(JSON.stringify(body)).not.toContain('evil.test')
  })

  it('treats OPTIONS without Access-Control-Request-Method as an ordinary request', async () => {
    const { local } = await run(build(corsFilter, policy), makeContext({ method: 'OPTIONS', headers: { origin: APP } }))
    expect(local).toBe(false)
  })
})

describe('cors actual requests', () => {
  it('adds allow-origin (echoed), expose-headers and Vary: Origin for an allowed origin', async () => {
    const filter = build(corsFilter, { ...policy, allow_credentials: true })
    const upstream = () => new Response('ok', { headers: { vary: 'accept-encoding' } })
    const { response } = await run(filter, makeContext({ method: 'PUT', headers: { origin: APP } }), upstream)
    expect(cors(response)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id',
      vary: 'accept-encoding, Origin',
    })
  })

  it('adds no CORS headers for a disallowed origin but still forwards it (the browser blocks)', async () => {
    const rc = makeContext({ headers: { origin: 'https://evil.test' } })
    const { response, local } = await run(build(corsFilter, policy), rc)
    expect(local).toBe(false)
    expect(cors(response)).toEqual({ vary: 'Origin' })
  })

  it('leaves requests without Origin alone apart from Vary: Origin (cache safety)', async () => {
    const rc = makeContext()
    const upstream = () => new Response('ok', { headers: { vary: 'Origin' } })
    const { response } = await run(build(corsFilter, policy), rc, upstream)
    expect(cors(response)).toEqual({ vary: 'Origin' })
    expect(rc.state.cors).toBeUndefined()
  })

  it('answers "*" only for an exact "*" matcher without credentials, and echoes otherwise', async () => {
    const init = { headers: { origin: 'https://anyone.test' } }
    const star = await run(build(corsFilter, { allow_origin_string_match: [{ exact: '*' }] }), makeContext(init))
    expect(star.response.headers.get('access-control-allow-origin')).toBe('*')
    const creds = await run(build(corsFilter, { allow_origin_string_match: [{ exact: '*' }], allow_credentials: true }), makeContext(init))
    expect(creds.response.headers.get('access-control-allow-origin')).toBe('https://anyone.test')
    // Envoy: any matcher that matches the string "*" allows every origin; the origin is echoed.
    const regex = await run(build(corsFilter, { allow_origin_string_match: [{ regex: '.*' }] }), makeContext(init))
    expect(regex.response.headers.get('access-control-allow-origin')).toBe('https://anyone.test')
  })

  it.each([
    [{ prefix: 'https://app.' }, 'https://app.test', true],
    [{ exact: 'https://APP.test', ignore_case: true }, 'https://app.test', true],
    [{ exact: 'https://app.test' }, 'https://app.test.evil.test', false],
    [{ regex: 'https://([a-z]+\\.)?app\\.test' }, 'https://x.app.test', true],
    [{ regex: 'https://([a-z]+\\.)?app\\.test' }, 'https://x.app.test.evil', false],
    [{ exact: 'https://app.test' }, 'null', false],
    [{ regex: '(?i)https://app\\.test' }, 'https://APP.test', true], // RE2 inline flags
    [{ regex: 'https://[[:alnum:]]+\\.app\\.test' }, 'https://x1.app.test', true],
  ])('matcher %j against %s allows: %s', async (matcher, origin, allowed) => {
    const rc = makeContext({ headers: { origin } })
    const { response } = await run(build(corsFilter, { allow_origin_string_match: [matcher] }), rc)
    expect(response.headers.has('access-control-allow-origin')).toBe(allowed)
  })

  it.each([30, 10_000])('matches an adversarial origin regex against a %i-character origin in milliseconds', async (n) => {
    // V8's backtracking took 1.2-1.5 s on 30 characters (issue 12); RE2 semantics are linear in the origin.
    const policy = { allow_origin_string_match: [{ regex: 'https://(a+)+' }] }
    const t0 = performance.now()
    const { response } = await run(build(corsFilter, policy), makeContext({ headers: { origin: `https://${'a'.repeat(n)}!` } }))
    expect(response.headers.has('access-control-allow-origin')).toBe(false)
    expect(performance.now() - t0).toBeLessThan(500)
  })
})
