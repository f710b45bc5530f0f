/**
 * Sealed versions (issue 18 §2): a body sealed by the validator that accepted it loads without being validated
 * again, its routes parsed and compiled on first use, to the very same parsed routes a full validation gives; a
 * body whose seal does not match (edited, corrupted, another validator) is validated in full as before.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { POINTER_KEY, versionKey } from '../../src/config/store-keys.ts'
import { publishConfig, sealOf, toRecords } from '../../src/config/publish.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import { defineFilter } from '../../src/index.ts'
import { parseSealed } from '../../src/snapshot/lazy.ts'
import { validatorFingerprint } from '../../src/snapshot/seal.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'
import * as z from 'zod'
import { applyMutations, mutationsOf, pathsOf } from './_mutate.ts'
import { richTable } from './_rich-table.ts'
import { makeGateway, testEnv, upstreams } from '../support/gateway.ts'

const filters = createRegistry()
const ADMIN = { headers: { authorization: 'Bearer test-admin-token' } }

/** Every parsed route and the table around them, as the lazy path sees them and as full validation does. */
function bothWays(raw: unknown) {
  let copies: [unknown, unknown]
  try {
    copies = [structuredClone(raw), structuredClone(raw)]
  } catch {
    return undefined // nested too deep to copy (and to validate)
  }
  const full = validateConfig(copies[0], filters)
  if (!full.ok) return undefined
  const sealed = parseSealed(copies[1], filters)
  const routes = full.config.virtual_hosts.map((vh, v) => {
    const src = sealed.routesOf(v)
    return { full: vh.routes, lazy: vh.routes.map((_, i) => src.route(i)), matches: src.matches.length }
  })
  return { full, sealed, routes }
}

describe('parseSealed', () => {
  it('gives the rich table exactly the routes and surroundings a full validation gives', () => {
    const b = bothWays(richTable())!
    expect(b).toBeDefined()
    for (const r of b.routes) {
      expect(r.lazy).toEqual(r.full)
      expect(r.matches).toBe(r.full.length)
    }
    const { virtual_hosts: fullHosts, ...rest } = b.full.ok ? b.full.config : ({} as never)
    const { virtual_hosts: sealedHosts, ...sealedRest } = b.sealed.config
    expect(sealedRest).toEqual(rest)
    expect(sealedHosts).toEqual(fullHosts.map((vh) => ({ ...vh, routes: [] })))
  })

  it('agrees with full validation on every valid mutation of the rich table (seeded)', () => {
    const paths = pathsOf(richTable())
    let compared = 0
    fc.assert(
      fc.property(mutationsOf(paths.length), (muts) => {
        const raw = richTable()
        applyMutations(raw, paths, muts)
        const b = bothWays(raw)
        if (!b) return
        compared++
        for (const r of b.routes) expect(r.lazy).toEqual(r.full)
      }),
      { seed: 18, numRuns: 150 }
    )
    expect(compared).toBeGreaterThan(20)
  })
})

/** A table with a forward route, a direct response with a route-level filter override, and a catch-all. */
function table(body = 'hello') {
  return {
    gateway: { refresh_interval: '1s' },
    http_filters: [{ name: 'header_mutation', config: { response_mutations: [{ append: { header: { key: 'x-base', value: 'b' } } }] } }],
    clusters: [{ name: 'echo', endpoints: [{ url: upstreams().echo[0]! }] }],
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          { name: 'api', match: { template: '/api/{id}' }, forward: { cluster: 'echo' } },
          { name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body }, filters: { header_mutation: { request_mutations: [{ remove: 'x-nothing' }], response_mutations: [{ append: { header: { key: 'x-route', value: 'r' } } }] } } },
          { name: 'rx', match: { regex: '/n/[0-9]+' }, direct_response: { status: 201, body: 'number' } },
        ],
      },
    ],
  }
}

/** As `legate push` does: validated, then sealed (by default with the built-ins' validator). */
async function sealedPublish(config: unknown, fingerprint?: string, registry = filters) {
  const checked = validateConfig(structuredClone(config), registry)
  if (!checked.ok) throw new Error(`test table is invalid: ${JSON.stringify(checked.issues)}`)
  return publishConfig(testEnv.CONFIG, config, 'test', fingerprint ?? (await validatorFingerprint(filters)))
}

/**
 * Writes version `version` of `t` sealed as by `fingerprint` (default: the built-ins' validator), its stored text
 * then passed through `edit` with the metadata kept (a hand edit, a cut), and points at it; the gateway's next
 * refresh is due and is run.
 */
async function writeEdited(gw: ReturnType<typeof makeGateway>, t: unknown, version: number, edit: (value: string) => string, fingerprint?: string) {
  const r = await toRecords(t, version, 'test', new Date(), fingerprint ?? (await validatorFingerprint(filters)))
  const value = edit(r.value)
  await testEnv.CONFIG.put(r.key, value, { metadata: r.metadata })
  await testEnv.CONFIG.put(POINTER_KEY, JSON.stringify(r.pointer))
  gw.clock.now += 1_000
  await gw.fetchAndSettle('/hello')
  return { ...r, value }
}

const status = async (gw: ReturnType<typeof makeGateway>) => ((await (await gw.fetch('/__legate/status', ADMIN)).json()) as { config: Record<string, any> }).config

async function answers(gw: ReturnType<typeof makeGateway>) {
  const out = []
  for (const path of ['/hello', '/api/7', '/n/12', '/n/x', '/nowhere']) {
    const res = await gw.fetch(path)
    let body = await res.text()
    if (res.headers.get('content-type')?.startsWith('application/problem+json')) body = JSON.stringify({ ...JSON.parse(body), request_id: 'x' })
    else if (path.startsWith('/api')) body = res.status === 200 ? 'echoed' : body
    out.push({ path, status: res.status, route: res.headers.get('x-route'), base: res.headers.get('x-base'), body })
  }
  return out
}

describe('loading a sealed version', () => {
  it('skips validation, compiles routes on first use and answers exactly as the same table validated in full', async () => {
    await sealedPublish(table())
    const sealed = makeGateway()
    const a = await answers(sealed)
    expect((await status(sealed)).live_sealed).toBe(true)
    await publishConfig(testEnv.CONFIG, table(), 'test') // unsealed: validated in full
    const full = makeGateway()
    const b = await answers(full)
    expect((await status(full)).live_sealed).toBe(false)
    expect(a).toEqual(b)
    // The route's override replaces the entry's response_mutations (one level deep), so only the route's header.
    expect(a[0]).toMatchObject({ status: 200, route: 'r', base: null, body: 'hello' })
    expect(a[1]).toMatchObject({ status: 200, base: 'b', body: 'echoed' })
    expect(a[2]).toMatchObject({ status: 201, base: 'b', body: 'number' })
    expect(a[4]).toMatchObject({ status: 404 })
  })

  it('the admin config dump of a sealed version is the validated table, defaults included', async () => {
    await sealedPublish(table())
    const gw = makeGateway()
    await gw.fetch('/hello')
    const dump = (await (await gw.fetch('/__legate/config_dump', ADMIN)).json()) as { config: any }
    expect(dump.config.virtual_hosts[0].routes[0].forward.timeout).toBe(15_000)
    expect(dump.config.virtual_hosts[0].routes[0].match.case_sensitive).toBe(true)
  })

  it('validates in full a body edited after sealing: refused when invalid (last good kept), applied when valid', async () => {
    const good = await sealedPublish(table('good'))
    const gw = makeGateway()
    expect(await (await gw.fetch('/hello')).text()).toBe('good')
    // The next version, sealed, then edited by hand with its metadata kept.
    const broken = await writeEdited(gw, table('next'), good.version + 1, (v) => v.replace('"cluster":"echo"', '"cluster":"ghost"'))
    expect(broken.value).toContain('"cluster":"ghost"')
    expect(await (await gw.fetch('/hello')).text()).toBe('good')
    let s = await status(gw)
    expect(s).toMatchObject({ live_version: good.version, live_sealed: true, update_rejected: 1 })
    expect(s.last_error.issues.map((i: { path: string }) => i.path)).toContain('virtual_hosts[0].routes[0].forward.cluster')
    // A valid hand edit under an old seal: loaded, but validated in full.
    await writeEdited(gw, table('third'), good.version + 2, (v) => v.replace('"body":"third"', '"body":"edited"'))
    expect(await (await gw.fetch('/hello')).text()).toBe('edited')
    s = await status(gw)
    expect(s).toMatchObject({ live_version: good.version + 2, live_sealed: false })
  })

  it('refuses a body that is not JSON, and ignores a seal made by another validator', async () => {
    const good = await sealedPublish(table('good'))
    const gw = makeGateway()
    expect(await (await gw.fetch('/hello')).text()).toBe('good')
    await writeEdited(gw, table('cut'), good.version + 1, (v) => v.slice(0, 40))
    let s = await status(gw)
    expect(s).toMatchObject({ live_version: good.version, update_rejected: 1 })
    expect(s.last_error.message).toMatch(/is not JSON/)
    // Sealed under another fingerprint (another build's validator): validated in full, then applied.
    const other = await writeEdited(gw, table('other'), good.version + 2, (v) => v, 'another validator')
    expect(other.metadata.seal).toBe(await sealOf(other.value, 'another validator'))
    expect(await (await gw.fetch('/hello')).text()).toBe('other')
    s = await status(gw)
    expect(s).toMatchObject({ live_version: good.version + 2, live_sealed: false })
    expect(await testEnv.CONFIG.get(versionKey(good.version + 2))).toBe(other.value)
  })

  it("a custom filter is part of the fingerprint: the built-ins' seal does not hold for a gateway with more filters", async () => {
    const tagger = defineFilter({
      name: 'tagger',
      status: 'alpha',
      description: 'tags responses',
      configSchema: z.strictObject({ tag: z.string().default('t') }),
      create: (cfg) => ({ onResponse: (_rc, res) => void res.headers.set('x-tag', cfg.tag) }),
    })
    const withTagger = createRegistry([tagger])
    expect(await validatorFingerprint(withTagger)).not.toBe(await validatorFingerprint(filters))
    const t = { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'hello', match: { exact: '/hello' }, direct_response: { status: 200, body: 'hi' } }] }], http_filters: [{ name: 'tagger', config: { tag: 'yes' } }] }
    await sealedPublish(t, await validatorFingerprint(withTagger), withTagger)
    const gw = makeGateway({ filters: [tagger] })
    expect((await gw.fetch('/hello')).headers.get('x-tag')).toBe('yes')
    expect((await status(gw)).live_sealed).toBe(true)
    await sealedPublish(t, await validatorFingerprint(filters), withTagger) // sealed as by a validator without the filter
    const other = makeGateway({ filters: [tagger] })
    expect((await other.fetch('/hello')).headers.get('x-tag')).toBe('yes')
    expect((await status(other)).live_sealed).toBe(false)
  })
})
