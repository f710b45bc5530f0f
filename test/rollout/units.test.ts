/** The pure parts of rollouts: assignment, rollout parameters, preview tokens, the judge. */
import { describe, expect, it } from 'vitest'
import { assignmentKey, inCanary } from '../../src/rollout/assign.ts'
import { emptySnapshot, type StatsSnapshot } from '../../src/observability/aggregate.ts'
import { emptyHistogram, record } from '../../src/observability/histogram.ts'
import { figuresFor, judge } from '../../src/rollout/judge.ts'
import { parseIfMatch, parseRolloutParams } from '../../src/rollout/params.ts'
import { checkPreview, signPreviewToken } from '../../src/rollout/preview.ts'
import { guardrailsSchema, type RolloutState } from '../../src/rollout/schema.ts'
import { routeVersionStatNames, versionStatNames } from '../../src/rollout/stats.ts'

const rollout = (steps: number[], step = 0, assign: RolloutState['assign'] = { by: 'client' }) => ({ id: 'r1', steps, step, assign })
const ip = (i: number) => `10.0.${(i >> 8) & 255}.${i & 255}`
const none = new Headers()

describe('canary assignment', () => {
  it('puts about the weight of clients in the canary, the same ones every time, and keeps them as the slice grows', () => {
    const at5 = new Set<number>()
    const at25 = new Set<number>()
    for (let i = 0; i < 10_000; i++) {
      if (inCanary(rollout([5, 25]), none, ip(i))) at5.add(i)
      if (inCanary(rollout([5, 25], 1), none, ip(i))) at25.add(i)
      expect(inCanary(rollout([5, 25]), none, ip(i))).toBe(at5.has(i))
    }
    expect(at5.size).toBeGreaterThan(400)
    expect(at5.size).toBeLessThan(600)
    expect(at25.size).toBeGreaterThan(2_300)
    expect(at25.size).toBeLessThan(2_700)
    for (const i of at5) expect(at25.has(i)).toBe(true)
  })

  it('another rollout picks another slice (the id salts the hash)', () => {
    let same = 0
    for (let i = 0; i < 2_000; i++) if (inCanary(rollout([50]), none, ip(i)) === inCanary({ ...rollout([50]), id: 'r2' }, none, ip(i))) same++
    expect(same).toBeGreaterThan(800)
    expect(same).toBeLessThan(1_200)
  })

  it('keys by a header or a cookie when configured, and falls back to the client address without one', () => {
    const byHeader = rollout([50], 0, { by: 'header', name: 'x-user' })
    expect(assignmentKey(byHeader, new Headers({ 'x-user': 'alice' }), '1.2.3.4')).toBe('alice')
    expect(assignmentKey(byHeader, none, '1.2.3.4')).toBe('1.2.3.4')
    const byCookie = rollout([50], 0, { by: 'cookie', name: 'sid' })
    expect(assignmentKey(byCookie, new Headers({ cookie: 'a=1; sid="s-9"' }), '1.2.3.4')).toBe('s-9')
    const alice = new Headers({ 'x-user': 'alice' })
    const first = inCanary(byHeader, alice, '1.1.1.1')
    for (let i = 0; i < 50; i++) expect(inCanary(byHeader, alice, ip(i))).toBe(first)
  })

  it('0 % and 100 % are none and all', () => {
    for (let i = 0; i < 500; i++) expect(inCanary(rollout([100]), none, ip(i))).toBe(true)
  })
})

describe('rollout parameters', () => {
  it('reads canary, steps, bake, assignment and guardrails, with defaults', () => {
    const p = parseRolloutParams({ canary: '5' })
    expect(p).toMatchObject({ ok: true, options: { steps: [5], bake: 600_000, judge_interval: 60_000, assign: { by: 'client' }, guardrails: guardrailsSchema.parse({}) } })
    expect(parseRolloutParams({ steps: '1,5,25,100', bake: '5m', assign: 'header:x-user', max_5xx_increase: '0.01' })).toMatchObject({
      ok: true,
      options: { steps: [1, 5, 25, 100], bake: 300_000, assign: { by: 'header', name: 'x-user' }, guardrails: { max_5xx_increase: 0.01, min_requests: 100 } },
    })
    expect(parseRolloutParams({})).toEqual({ ok: true, options: undefined })
  })

  it('refuses bad values with the parameter named', () => {
    const bad = (q: Record<string, string>) => {
      const p = parseRolloutParams(q)
      return p.ok ? [] : p.issues.map((i) => i.path)
    }
    expect(bad({ canary: '0' })).toEqual(['steps.0'])
    expect(bad({ canary: 'abc' })).toEqual(['steps.0'])
    expect(bad({ steps: '25,5' })).toEqual(['steps'])
    expect(bad({ canary: '5', steps: '5' })).toEqual(['canary'])
    expect(bad({ bake: '5m' })).toEqual(['bake'])
    expect(bad({ canary: '5', bake: 'soon' })).toEqual(['bake'])
    expect(bad({ canary: '5', assign: 'header:' })).toEqual(['assign.name'])
    expect(bad({ canary: '5', assign: 'query:x' })).toEqual(['assign.by'])
    expect(bad({ canary: '5', max_5xx_increase: '2' })).toEqual(['guardrails.max_5xx_increase'])
  })

  it('reads If-Match as a version', () => {
    expect(parseIfMatch(undefined)).toBeUndefined()
    expect(parseIfMatch('"12"')).toBe(12)
    expect(parseIfMatch('0')).toBe(0)
    expect(parseIfMatch('*')).toBeNaN()
  })
})

describe('preview tokens', () => {
  const now = Date.parse('2026-11-26T12:00:00Z')
  it('accept the admin token or a signed token for that version before it expires', async () => {
    const t = await signPreviewToken('secret', 7, now + 60_000)
    expect(await checkPreview('secret', t, 7, now)).toBeUndefined()
    expect(await checkPreview('secret', 'secret', 7, now)).toBeUndefined()
    expect(await checkPreview('secret', t, 8, now)).toMatch(/for version 7, not 8/)
    expect(await checkPreview('secret', t, 7, now + 60_000)).toMatch(/expired/)
    expect(await checkPreview('rotated', t, 7, now)).toMatch(/not valid/)
    expect(await checkPreview('secret', t.replace(/.$/, (c) => (c === '0' ? '1' : '0')), 7, now)).toMatch(/not valid/)
    expect(await checkPreview('secret', null, 7, now)).toMatch(/send x-legate-preview-token/)
    expect(await checkPreview(undefined, t, 7, now)).toMatch(/off/)
  })
})

/** Cumulative counters as the Stats shards hold them. */
function stats(v: number, f: { total: number; up5xx?: number; gw5xx?: number; denied?: number; noRoute?: number; ms?: number; routes?: Record<string, [number, number, number]> }): StatsSnapshot {
  const n = versionStatNames(v)
  const s = emptySnapshot()
  s.counters[n.total] = f.total
  s.counters[n.upstream5xx] = f.up5xx ?? 0
  s.counters[n.gateway5xx] = f.gw5xx ?? 0
  s.counters[n.authDenied] = f.denied ?? 0
  s.counters[n.noRoute] = f.noRoute ?? 0
  const h = emptyHistogram()
  for (let i = 0; i < f.total; i++) record(h, f.ms ?? 10)
  s.histograms[n.time] = h
  for (const [key, [t, bad, denied]] of Object.entries(f.routes ?? {})) {
    const [vh, r] = key.split('~') as [string, string]
    const rn = routeVersionStatNames(v, vh, r)
    Object.assign(s.counters, { [rn.total]: t, [rn.bad5xx]: bad, [rn.authDenied]: denied })
  }
  return s
}
const both = (a: StatsSnapshot, b: StatsSnapshot): StatsSnapshot => ({ counters: { ...a.counters, ...b.counters }, gauges: {}, histograms: { ...a.histograms, ...b.histograms } })
const g = guardrailsSchema.parse({})
const verdict = (canary: Parameters<typeof stats>[1], stable: Parameters<typeof stats>[1], base = emptySnapshot()) => {
  const s = both(stats(2, canary), stats(1, stable))
  return judge(figuresFor(2, s, base), figuresFor(1, s, base), g)
}

describe('the judge', () => {
  it('waits for the minimum number of canary requests', () => {
    expect(verdict({ total: 99, gw5xx: 99 }, { total: 1000 })).toMatchObject({ kind: 'insufficient' })
  })

  it('trips on 5xx, 401/403, no-route and p99 rises, naming both figures', () => {
    expect(verdict({ total: 200, up5xx: 10 }, { total: 2000, up5xx: 20 })).toMatchObject({ kind: 'trip', trip: { guardrail: '5xx rate', scope: 'overall', canary: 0.05, stable: 0.01, canary_requests: 200, stable_requests: 2000 } })
    expect(verdict({ total: 200, denied: 200 }, { total: 2000 })).toMatchObject({ kind: 'trip', trip: { guardrail: '401/403 rate', canary: 1, stable: 0 } })
    expect(verdict({ total: 200, noRoute: 20 }, { total: 2000 })).toMatchObject({ kind: 'trip', trip: { guardrail: 'no-route (ERR_ROUTE_NOT_FOUND) rate' } })
    expect(verdict({ total: 200, ms: 400 }, { total: 2000, ms: 20 })).toMatchObject({ kind: 'trip', trip: { guardrail: 'p99 latency' } })
  })

  it('judges a failing route that is a small share of the overall traffic on its own', () => {
    const v = verdict({ total: 1000, gw5xx: 20, routes: { 'api~orders': [20, 20, 0], 'api~root': [980, 0, 0] } }, { total: 10_000, routes: { 'api~orders': [200, 0, 0] } })
    expect(v).toMatchObject({ kind: 'trip', trip: { guardrail: '5xx rate', scope: 'api~orders', canary: 1, stable: 0 } })
    expect(v.kind === 'trip' && v.trip.detail).toMatch(/on route "orders" \(virtual host "api"\): canary 100.0 % of 20 requests vs stable 0.0 % of 200/)
  })

  it('is healthy within the guardrails, and counts only the window after the baseline', () => {
    expect(verdict({ total: 200, up5xx: 2, ms: 12 }, { total: 2000, up5xx: 10, ms: 10 })).toEqual({ kind: 'healthy' })
    // Before the window: 100 failures; in the window: 200 successes.
    const base = both(stats(2, { total: 100, gw5xx: 100 }), stats(1, { total: 100 }))
    expect(verdict({ total: 300, gw5xx: 100 }, { total: 1100 }, base)).toEqual({ kind: 'healthy' })
  })
})
