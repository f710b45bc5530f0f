/**
 * The Gateway API HTTPRoute conformance tests (kubernetes-sigs/gateway-api, conformance/tests/httproute-*), run
 * through Legate: each manifest (test/fixtures/gateway-api/, stored unmodified with its attribution) goes through
 * the importer, the table through validation into KV, and the suite's requests through the gateway in workerd to
 * real upstreams on 127.0.0.1. The expected backend, status, redirect Location and headers are the suite's (its
 * .go files). infra-backend-v1/v2/v3 are the test upstreams echo-a/b/c.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { convertGatewayApi } from '../../src/cli/import/gateway-api/convert.ts'
import { BUILTIN_FILTERS } from '../../src/filters/registry.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import { echoOf, makeGateway, publish, testEnv, upstreams } from '../support/gateway.ts'
import { attemptsOf, newKey } from '../resilience/helpers.ts'
import { CASES, type Expect, type Req } from './_gateway-api-cases.ts'

const SERVER: Record<string, string> = { v1: 'echo-a', v2: 'echo-b', v3: 'echo-c' }

/** Imports one manifest with the three backends mapped to the echo servers; publishes it. */
async function load(file: string, text: string) {
  const { echo } = upstreams()
  const backends = new Map([['infra-backend-v1', echo[0]], ['infra-backend-v2', echo[1]], ['infra-backend-v3', echo[2]]])
  const result = convertGatewayApi([{ file, text }], { backends })
  expect(result.problems).toEqual([])
  expect(result.errors).toEqual([])
  const checked = validateConfig(result.table, BUILTIN_FILTERS)
  expect(checked.ok ? [] : checked.issues).toEqual([])
  await publish({ ...result.table, gateway: { refresh_interval: '1h' } })
  return { gw: makeGateway(), table: result.table! }
}

/** A header's values as the suite writes them: joined with "," (the runtime joins with ", "; the same list). */
const list = (v: string | null | undefined) => (typeof v === 'string' ? v.split(/,\s*/).join(',') : v)

async function check(gw: ReturnType<typeof makeGateway>, req: Req, want: Expect, label: string) {
  const ctx = createExecutionContext()
  const headers = new Headers(req.headers)
  if (req.behave) headers.set('x-upstream-behavior', req.behave)
  const res = await gw.gateway.fetch(new Request(`http://${req.host ?? 'gw.test'}${req.path}`, { method: req.method ?? 'GET', headers }), testEnv, ctx)
  if (want.status !== undefined) expect(res.status, label).toBe(want.status)
  if (want.backend) {
    expect(res.status, label).toBe(200)
    expect(res.headers.get('x-upstream'), label).toBe(SERVER[want.backend])
    const e = await echoOf(res)
    if (want.path !== undefined) expect(new URL(e.url, 'http://x').pathname, label).toBe(want.path)
    for (const [k, v] of Object.entries(want.headers ?? {})) expect(list(e.headers[k.toLowerCase()]), `${label} ${k}`).toBe(v)
    for (const k of want.absent ?? []) expect(e.headers[k.toLowerCase()], `${label} ${k}`).toBeUndefined()
  } else await res.arrayBuffer()
  if (want.location) {
    const loc = new URL(res.headers.get('location') ?? 'invalid:', `http://${req.host ?? 'gw.test'}`)
    const { scheme, host, port, path } = want.location
    if (scheme) expect(loc.protocol, label).toBe(`${scheme}:`)
    expect(loc.hostname, label).toBe(host ?? req.host ?? 'gw.test')
    expect(loc.port, label).toBe(port ?? '')
    expect(loc.pathname, label).toBe(path ?? req.path.split('?')[0])
  }
  for (const [k, v] of Object.entries(want.responseHeaders ?? {})) expect(list(res.headers.get(k)), `${label} response ${k}`).toBe(v)
  await waitOnExecutionContext(ctx)
}

describe('Gateway API HTTPRoute conformance, through legate import gateway-api', () => {
  for (const c of CASES)
    it(`${c.test} (${c.file})`, async () => {
      const { gw, table } = await load(c.file, c.manifest)
      c.table?.(table)
      for (const [i, [req, want]] of c.requests.entries()) await check(gw, req, want, `${c.test} #${i} ${req.method ?? 'GET'} ${req.host ?? ''}${req.path}`)
      await c.extra?.(gw, (req, want, label) => check(gw, req, want, label))
    })

  it('HTTPRouteRequestMirror / MultipleMirrors: the mirror backends receive the request, the primary answers', async () => {
    const { MIRROR, MULTI_MIRROR } = await import('./_gateway-api-cases.ts')
    for (const [file, manifest, path, mirrors] of [
      ['httproute-request-mirror.yaml', MIRROR, '/mirror', ['echo-b']],
      ['httproute-request-mirror.yaml', MIRROR, '/mirror-and-modify-headers', ['echo-b']],
      ['httproute-request-multiple-mirrors.yaml', MULTI_MIRROR, '/multi-mirror', ['echo-b', 'echo-c']],
    ] as const) {
      const { gw } = await load(file, manifest)
      const key = newKey()
      await check(gw, { path, behave: `key=${key}` }, { backend: 'v1', path }, path)
      const seen = (await attemptsOf(key)).seen.map((s) => s.server).sort()
      expect(seen, path).toEqual(['echo-a', ...mirrors])
    }
  })
})
