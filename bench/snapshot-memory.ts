/**
 * @module What a second compiled snapshot costs in memory (issue 13: during a rollout each isolate holds stable and
 * canary): the heap after compiling the bench table of N routes once, then a second version of it on the same
 * base the config store uses for a canary. V8 in Node, not workerd (no heap API there); the same engine and code.
 * Run: `node --expose-gc --import tsx bench/snapshot-memory.ts`. Prints one JSON line per size.
 */
import { benchConfig } from './bench-config.ts'
import { compileConfig } from '../src/snapshot/compile.ts'
import { validateConfig } from '../src/snapshot/validate.ts'
import { createRegistry } from '../src/filters/registry.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
const filters = createRegistry()
const keep: unknown[] = []
for (const n of [1_000, 10_000]) {
  const table = (tag: string) => {
    const r = validateConfig({ ...benchConfig(n), gateway: { refresh_interval: tag } }, filters, { trialCompile: false })
    if (!r.ok) throw new Error('invalid bench table')
    return r.config
  }
  const empty = heap()
  const [a, b] = [table('5s'), table('6s')]
  const before = heap()
  const stable = compileConfig(a, 1, filters)
  keep.push(stable)
  const one = heap()
  keep.push(compileConfig(b, 2, filters, stable))
  const two = heap()
  console.log(JSON.stringify({ name: `snapshot-heap-${n}`, validated_table_mib: +((before - empty) / 2 / 2 ** 20).toFixed(1), first_mib: +((one - before) / 2 ** 20).toFixed(1), second_mib: +((two - one) / 2 ** 20).toFixed(1) }))
}
