/**
 * @module Config compile micro-benchmark: the full path a new config version takes in an isolate
 * (`validateConfig` + `compileConfig`, the same calls as src/snapshot/store.ts, which compiles once after validating) at 10 / 100 / 1,000 / 10,000 routes.
 * Run: `node --import tsx bench/micro.ts [--quick]`. Prints one JSON line per figure: `{ "name", "value", "unit" }`:
 * `compile-N` (validate + compile, median) and `compile-N-validate-part` (the validateConfig share of it).
 * Route matching is measured by bench/micro-router.ts (run next to this one by bench/run.mjs).
 */
import { compileConfig } from '../src/snapshot/compile.ts'
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
}
