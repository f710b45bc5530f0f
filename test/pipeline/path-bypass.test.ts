import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import guide from '../../docs/protecting-paths.md?raw'
import { echoOf, makeGateway, publish, upstreams } from '../support/gateway.ts'

/**
 * Origin-parser bypasses (docs/protecting-paths.md) through the real gateway: a route denies /admin, a catch-all
 * forwards to the echo upstream. A bypass is a spelling of /admin that reaches the echo.
 */
interface Table {
  gateway?: Record<string, unknown>
  clusters: { endpoints: { url: string }[] }[]
  virtual_hosts: { routes: { match: Record<string, unknown> }[] }[]
}

/** The guide's recommended edge profile, verbatim, with its origin pointed at the echo upstream. */
function profile(): Table {
  const block = /## Recommended edge profile[\s\S]*?```yaml\n([\s\S]*?)```/.exec(guide)?.[1]
  if (!block) throw new Error('docs/protecting-paths.md lost its edge profile')
  const table = parse(block) as Table
  table.clusters[0]!.endpoints[0]!.url = upstreams().echo[0]!
  return table
}

/** The same table with the defaults and a case-sensitive /admin route: what a table written without the guide does. */
function naive(): Table {
  const table = profile()
  delete table.gateway
  table.virtual_hosts[0]!.routes[0]!.match = { segment_prefix: '/admin' }
  return table
}

const PARAMETERS = ['/admin;jsessionid=1', '/admin;/x', '/;/admin']
const CASE = ['/ADMIN', '/Admin/x', '/%41dmin']
const TRAILING = ['/admin.', '/admin%20', '/admin. .', '/admin./x']
const CLOSED_BY_DEFAULT = ['/x/../admin', '//admin', '/%61dmin', '/admin', '/admin/']
/** Resolved to /admin by normalize_path, but holds a ";": path_parameters: reject refuses it first. */
const DOTDOT_PARAMETER = '/x/..;/admin'

type Outcome = 'admin' | 'bad_path' | `app ${string}`
async function outcome(path: string): Promise<Outcome> {
  const res = await makeGateway().fetch(path)
  if (res.status === 403) return 'admin'
  if (res.status === 400) {
    expect(((await res.json()) as { code: string }).code, path).toBe('ERR_BAD_PATH')
    return 'bad_path'
  }
  expect(res.status, path).toBe(200)
  return `app ${(await echoOf(res)).url}`
}

describe('protecting /admin against origin-parser bypasses', () => {
  it('the edge profile sends every spelling of /admin to the admin route or answers 400', async () => {
    await publish(profile())
    for (const p of [...PARAMETERS, ...TRAILING]) expect(await outcome(p), p).toBe('bad_path')
    for (const p of [...CASE, ...CLOSED_BY_DEFAULT]) expect(await outcome(p), p).toBe('admin')
    expect(await outcome(DOTDOT_PARAMETER)).toBe('bad_path')
  })

  it('the edge profile still forwards ordinary paths, including ones close to /admin', async () => {
    await publish(profile())
    for (const p of ['/', '/administrator', '/public/admin', '/v1.2/x', '/a%20b', '/x?next=/admin;x.'])
      expect(await outcome(p), p).toBe(`app ${p}`)
  })

  it('with strip instead of reject, every spelling reaches the admin route and the origin sees no leftovers', async () => {
    const table = profile()
    table.gateway = { path_parameters: 'strip', trailing_dots_and_spaces: 'strip' }
    await publish(table)
    for (const p of [...PARAMETERS, ...TRAILING, ...CASE, ...CLOSED_BY_DEFAULT, DOTDOT_PARAMETER])
      expect(await outcome(p), p).toBe('admin')
    // Strip changes the forwarded path too (Envoy's normalization does): the origin gets what was routed.
    expect(await outcome('/public;jsessionid=1/x.%20?q=;.')).toBe('app /public/x?q=;.')
    expect(await outcome('/;/public/.../y')).toBe('app /public/y')
  })

  it('with the defaults and a case-sensitive route, the three open classes bypass and reach the origin as sent', async () => {
    await publish(naive())
    for (const p of [...PARAMETERS, '/admin.', '/admin%20', '/admin./x']) expect(await outcome(p), p).toBe(`app ${p}`)
    expect(await outcome('/admin. .')).toBe('app /admin.%20.')
    for (const p of CASE) expect(await outcome(p), p).toBe(`app ${p === '/%41dmin' ? '/Admin' : p}`)
    for (const p of [...CLOSED_BY_DEFAULT, DOTDOT_PARAMETER]) expect(await outcome(p), p).toBe('admin')
  })

  it('malformed escapes such as IIS %u are refused whatever the settings', async () => {
    await publish(naive())
    for (const p of ['/%u0061dmin', '/admin%zz']) expect(await outcome(p), p).toBe('bad_path')
  })
})
