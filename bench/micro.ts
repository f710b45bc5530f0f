/**
 * @module Config compile micro-benchmark: the full path a new config version takes in an isolate
 * (`validateConfig` + `compileConfig`, the same calls as src/snapshot/store.ts, which compiles once after validating) at 10 / 100 / 1,000 / 10,000 routes.
 * Run: `node --import tsx bench/micro.ts [--quick]`. Prints one JSON line per figure: `{ "name", "value", "unit" }`:
 * `compile-N` (validate + compile, median) and `compile-N-validate-part` (the validateConfig share of it), and
 * `load-sealed-N`: what an isolate does with a sealed version instead (src/snapshot/lazy.ts): JSON.parse of the
 * stored text, the seal check (SHA-256 over it), compileSealed, then the first lookup of a path that only the
 * last route (the catch-all) matches, which compiles that route.
 * Route matching is measured by bench/micro-router.ts (run next to this one by bench/run.mjs).
 */
import { toRecords } from '../src/config/publish.ts'
import { compileConfig } from '../src/snapshot/compile.ts'
import { compileSealed } from '../src/snapshot/lazy.ts'
import { isSealed, validatorFingerprint } from '../src/snapshot/seal.ts'
import { validateConfig } from '../src/snapshot/validate.ts'
import { createRegistry } from '../src/filters/registry.ts'
import { benchConfig } from './bench-config.ts'

const QUICK = process.argv.includes('--quick')
const SIZES = [10, 100, 1_000, 10_000] as const
/** Timed runs per size (the median is reported), after one untimed warm-up. */
const RUNS: Record<number, number> = QUICK ? { 10: 15, 100: 9, 1000: 5, 10000: 3 } : { 10: 41, 100: 21, 1000: 11, 10000: 7 }

export { benchConfig }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => Number(process.hrtime.bigint())
const emit = (name: string, value: number, unit: string) => console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit }))

const filters = createRegistry()

/** validate + compile, timed separately; `validated` is the share spent in validateConfig. */
function compileOnce(input: unknown, version: number) {
  const t0 = now()
  const result = validateConfig(input, filters, { trialCompile: false })
  const t1 = now()
  if (!result.ok) throw new Error(`bench config is invalid: ${JSON.stringify(result.issues.slice(0, 3))}`)
  const snapshot = compileConfig(result.config, version, filters)
  return { snapshot, totalMs: (now() - t0) / 1e6, validateMs: (t1 - t0) / 1e6 }
}

for (const n of SIZES) {
  // A fresh copy per run: the store validates a freshly parsed JSON body, never a cached object.
  const json = JSON.stringify(benchConfig(n))
  const warm = compileOnce(JSON.parse(json), 0).snapshot
  if (warm.matchHost('bench.test')?.size !== n) throw new Error(`size ${n}: compiled the wrong number of routes`)
  const totals: number[] = []
  const validates: number[] = []
  for (let r = 0; r < RUNS[n]!; r++) {
    const { totalMs, validateMs } = compileOnce(JSON.parse(json), r + 1)
    totals.push(totalMs)
    validates.push(validateMs)
  }
  emit(`compile-${n}`, median(totals), 'ms')
  // Where the time goes: the validateConfig part of compile-N (the rest is compileConfig).
  emit(`compile-${n}-validate-part`, median(validates), 'ms')

  const { value, metadata } = await toRecords(benchConfig(n), 1, 'bench', new Date(), await validatorFingerprint(filters))
  const loads: number[] = []
  for (let r = 0; r <= RUNS[n]!; r++) {
    const t0 = now()
    const stored = JSON.parse(value) as { config: unknown }
    if (!(await isSealed(value, metadata, filters))) throw new Error('the bench body should be sealed')
    const vhost = compileSealed(stored.config, r + 1, filters).matchHost('bench.test')!
    const hit = vhost.table.match({ path: '/zzz', method: 'GET', headers: new Headers(), search: '' })!
    vhost.route(hit.index)
    if (r > 0) loads.push((now() - t0) / 1e6) // the first run warms up, as for compile-N
    if (hit.index !== n - 1) throw new Error(`size ${n}: /zzz should reach the catch-all`)
  }
  emit(`load-sealed-${n}`, median(loads), 'ms')
}
