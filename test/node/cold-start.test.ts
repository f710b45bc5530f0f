/**
 * @module The cold-start benchmark's instrument (issue 18, bench/cold-start.mjs): its arguments, that its two request
 * paths hit the routes it claims (the last route of the table and the first), and how its figures meet the targets.
 * No timing here: the figures come from `node bench/cold-start.mjs`.
 */
import { describe, expect, it } from 'vitest'
import { benchConfig } from '../../bench/bench-config.ts'
import { parseColdArgs, PATHS, SIZES, USAGE } from '../../bench/cold-start.mjs'
import { evaluateTargets } from '../../bench/targets.mjs'
import { createRegistry } from '../../src/filters/registry.ts'
import { compileConfig } from '../../src/snapshot/compile.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'

describe('bench/cold-start.mjs arguments', () => {
  it('takes 9 samples, 5 with --quick, or --samples N', () => {
    expect(parseColdArgs([])).toMatchObject({ samples: 9, quick: false, write: false, json: false })
    expect(parseColdArgs(['--quick']).samples).toBe(5)
    expect(parseColdArgs(['--quick', '--samples', '7', '--write']).samples).toBe(7)
  })

  it.each(['0', '2.5', 'x'])('refuses --samples %s with the usage', (n) => {
    expect(() => parseColdArgs(['--samples', n])).toThrow(USAGE)
  })

  it('refuses an unknown option', () => {
    expect(() => parseColdArgs(['--rounds', '3'])).toThrow(/rounds/)
  })
})

describe('bench/cold-start.mjs request paths', () => {
  const filters = createRegistry()
  it.each(SIZES)('in the %i-route table, the late path reaches only the catch-all (last) and the early one the first route', (n) => {
    const result = validateConfig(benchConfig(n), filters, { trialCompile: false })
    if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)))
    const vhost = compileConfig(result.config, 1, filters).matchHost('bench.test')!
    const routeOf = (path: string) => vhost.route(vhost.table.match({ path, method: 'GET', headers: new Headers(), search: '' })!.index).name
    expect(routeOf(PATHS.late)).toBe('catch-all')
    expect(vhost.route(vhost.size - 1).name).toBe('catch-all')
    expect(routeOf(PATHS.early)).toBe(n === 1 ? 'catch-all' : 'r0')
  })
})

describe('issue 18 targets', () => {
  const fig = (name: string, value: number) => ({ name, value, min: value - 1, max: value + 1, unit: 'ms' })
  const results = (cold_start: unknown) => ({ scenarios: [], micro: [], cold_start })
  const cold = (results: unknown) => evaluateTargets(results).filter((t) => t.target.startsWith('legate-cold-'))

  it('is met only when both the catch-all and the first-route figures are within the budget (wall time alone)', () => {
    const figures = [fig('legate-cold-10000', 40), fig('legate-cold-10000-early-route', 49), fig('legate-cold-1000', 4), fig('legate-cold-1000-early-route', 12)]
    const [big, small] = cold(results({ samples: 9, figures }))
    expect(big).toMatchObject({ target: expect.stringContaining('legate-cold-10000 ≤ 50 ms'), status: 'met' })
    expect(small).toMatchObject({ target: expect.stringContaining('legate-cold-1000 ≤ 10 ms'), status: 'missed' })
    expect(small!.detail).toBe('catch-all 4 ms (3–5), first route 12 ms (11–13), median of 9 fresh isolates; 1.2 × the budget')
  })

  it("is judged on the CPU time of workerd's JavaScript thread when measured, with the wall time alongside", () => {
    const wall = [fig('legate-cold-1000', 30), fig('legate-cold-1000-early-route', 25), fig('legate-cold-10000', 400), fig('legate-cold-10000-early-route', 60)]
    const cpu = [fig('legate-cold-1000-js-cpu', 8), fig('legate-cold-1000-early-route-js-cpu', 7), fig('legate-cold-10000-js-cpu', 45), fig('legate-cold-10000-early-route-js-cpu', 51)]
    const allThreads = [fig('legate-cold-1000-cpu', 80), fig('legate-cold-1000-early-route-cpu', 70), fig('legate-cold-10000-cpu', 45), fig('legate-cold-10000-early-route-cpu', 51)]
    const [big, small] = cold(results({ samples: 5, figures: [...wall, ...allThreads, ...cpu] }))
    expect(small).toMatchObject({ status: 'met', detail: 'workerd JavaScript thread CPU: catch-all 8 ms (7–9), first route 7 ms (6–8); wall time 30 ms (29–31) and 25 ms (24–26), median of 5 fresh isolates' })
    expect(big!.status).toBe('missed')
  })

  it('is not measured without a cold_start entry, and says why when the run failed', () => {
    expect(cold(results(undefined)).map((t) => t.status)).toEqual(['not measured', 'not measured'])
    expect(cold(results({ error: 'bench/cold-start.mjs exited with 1' }))[0]!.detail).toBe('bench/cold-start.mjs exited with 1')
  })
})
