/**
 * @module Stats micro-benchmark (issue 7): the per-request and per-flush costs of the stats pipeline.
 * - `histogram-record`: one `record()` into a log-linear histogram (latency-like values, 0.1 ms to 5 s).
 * - `stats-flush-take`: the isolate's side of one flush, `takeDelta()` plus serializing the batch for the RPC,
 *   on a store shaped like a busy isolate's (20 routes and 4 clusters of Envoy-like counters and histograms,
 *   10,000 requests recorded since the previous flush).
 * - `stats-flush-apply`: the Stats object's side, validating that batch (`statsBatchSchema`) and applying it
 *   (`applyDelta`) to the shard's running snapshot.
 * Run: `npx tsx bench/micro-stats.ts [--quick]`. Prints one JSON line per figure: `{ "name", "value", "unit" }`.
 */
import { applyDelta, emptySnapshot, statsBatchSchema } from '../src/observability/aggregate.ts'
import { emptyHistogram, record } from '../src/observability/histogram.ts'
import { routeStatNames, DOWNSTREAM } from '../src/observability/stat-names.ts'
import { createStatsStore } from '../src/observability/stats.ts'

const QUICK = process.argv.includes('--quick')
const RUNS = QUICK ? 5 : 11
const RECORDS_PER_RUN = 1_000_000
const FLUSHES_PER_RUN = QUICK ? 20 : 50
const REQUESTS_PER_FLUSH = 10_000

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const now = () => Number(process.hrtime.bigint())
const emit = (name: string, value: number, unit: string) => console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit }))

/** Deterministic latency-like values: mostly a few ms, a tail to seconds. */
const VALUES = Float64Array.from({ length: 4096 }, (_, i) => 0.1 * Math.exp(((i * 7919) % 4096) / 4096 * Math.log(50_000)))

function histogramRecord(): number {
  const h = emptyHistogram()
  const t = now()
  for (let i = 0; i < RECORDS_PER_RUN; i++) record(h, VALUES[i & 4095]!)
  const ns = (now() - t) / RECORDS_PER_RUN
  if (h.count !== RECORDS_PER_RUN) throw new Error('histogram lost records')
  return ns
}

const ROUTES = Array.from({ length: 20 }, (_, i) => routeStatNames('api', `route-${i}`))
const CLUSTERS = Array.from({ length: 4 }, (_, i) => `cluster.svc-${i}.`)

/** What `REQUESTS_PER_FLUSH` requests leave in a store between two flushes (the observer's and the router's stats). */
function busyInterval(store: ReturnType<typeof createStatsStore>, round: number) {
  for (let i = 0; i < REQUESTS_PER_FLUSH; i++) {
    const route = ROUTES[i % ROUTES.length]!
    const cluster = CLUSTERS[i % CLUSTERS.length]!
    const cls = i % 50 === 0 ? 5 : 2
    const ms = VALUES[(i + round) & 4095]!
    store.counter(DOWNSTREAM.total)
    store.counter(DOWNSTREAM.classes[cls]!)
    store.histogram(DOWNSTREAM.time, ms)
    store.counter(route.total)
    store.counter(route.classes[cls]!)
    store.histogram(route.time, ms)
    store.counter(`${cluster}upstream_rq_total`)
    store.counter(`${cluster}upstream_rq_${cls}xx`)
    store.counter(`${cluster}upstream_rq_${cls === 5 ? 503 : 200}`)
    store.histogram(`${cluster}upstream_rq_time`, ms)
  }
}

function flushes(): { take: number; apply: number } {
  const store = createStatsStore()
  let snapshot = emptySnapshot()
  let take = 0
  let apply = 0
  for (let f = 0; f < FLUSHES_PER_RUN; f++) {
    busyInterval(store, f)
    let t = now()
    const delta = store.takeDelta()!
    const wire = JSON.stringify({ source: 'bench', seq: f + 1, at: f, delta })
    take += now() - t
    t = now()
    const batch = statsBatchSchema.parse(JSON.parse(wire))
    snapshot = applyDelta(snapshot, batch.delta, batch.at)
    apply += now() - t
  }
  if (snapshot.counters[DOWNSTREAM.total] !== FLUSHES_PER_RUN * REQUESTS_PER_FLUSH) throw new Error('a flush lost counts')
  return { take: take / FLUSHES_PER_RUN / 1000, apply: apply / FLUSHES_PER_RUN / 1000 }
}

histogramRecord() // warm-up
flushes()
const record_: number[] = []
const take: number[] = []
const apply: number[] = []
for (let r = 0; r < RUNS; r++) {
  record_.push(histogramRecord())
  const f = flushes()
  take.push(f.take)
  apply.push(f.apply)
}
emit('histogram-record', median(record_), 'ns')
emit('stats-flush-take', median(take), 'us')
emit('stats-flush-apply', median(apply), 'us')
