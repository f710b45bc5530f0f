/** Turns measured scenarios into results.json entries, and prints the stdout report of bench/run.mjs. */
import { evaluateTargets } from './targets.mjs'

/** One `scenarios[]` entry of results.json; skipped or failed scenarios keep their place with null figures. */
export function toResultScenario(s) {
  const base = { name: s.name, system: s.version ? `${s.system}, ${s.version}` : s.system }
  const nulls = { rps: null, p50_ms: null, p99_ms: null, ratio_to_bare: null, do_calls_per_request: null, workerd_cpu_us_per_request: null, workerd_cpu_us_over_bare: null }
  if (s.skipped) return { ...base, ...nulls, skipped: s.skipped }
  if (s.error || s.rps === undefined) return { ...base, ...nulls, error: s.error ?? 'not run' }
  return {
    ...base,
    rps: Math.round(s.rps),
    p50_ms: s.p50,
    p99_ms: s.p99,
    ratio_to_bare: Number(s.ratio.toFixed(3)),
    do_calls_per_request: s.doPerRequest === null ? null : Number(s.doPerRequest.toFixed(3)),
    workerd_cpu_us_per_request: s.cpuUs == null ? null : Math.round(s.cpuUs),
    workerd_cpu_us_over_bare: s.cpuOverBare == null ? null : Math.round(s.cpuOverBare),
    ...(s.note ? { note: s.note } : {}),
  }
}

/** The table on stdout: one line per scenario (with the per-round spread), the micro figures, the targets. */
export function printReport(results, measured, run) {
  const rows = [['scenario', 'req/s', 'min–max', 'p50 ms', 'p99 ms', '× bare', 'DO/req', 'CPU µs/req', 'notes']]
  for (const s of results.scenarios) {
    const rounds = measured.find((x) => x.name === s.name)?.rounds ?? []
    const spread = rounds.length ? `${Math.round(Math.min(...rounds.map((r) => r.rps)))}–${Math.round(Math.max(...rounds.map((r) => r.rps)))}` : ''
    if (s.rps === null) rows.push([s.name, '-', '', '-', '-', '-', '-', '-', s.skipped ? `skipped: ${s.skipped}` : `error: ${s.error}`])
    else
      rows.push([
        s.name,
        String(s.rps),
        spread,
        String(s.p50_ms),
        String(s.p99_ms),
        s.ratio_to_bare.toFixed(3),
        s.do_calls_per_request === null ? '-' : String(s.do_calls_per_request),
        s.workerd_cpu_us_per_request === null ? '-' : String(s.workerd_cpu_us_per_request),
        s.note ?? '',
      ])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r) => r.map((c, i) => (i === 8 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(`\nLoad (${run.rounds} rounds × ${run.duration_s} s, ${run.connections} connections, medians${run.quick ? ', --quick' : ''})`)
  for (const r of rows) console.log(line(r))
  if (results.micro.length) {
    console.log('\nMicro')
    const w = Math.max(...results.micro.map((m) => m.name.length))
    for (const m of results.micro) console.log(`${m.name.padEnd(w)}  ${String(m.value).padStart(10)} ${m.unit}`)
  }
  const cold = results.cold_start
  if (cold) {
    console.log(`\nCold start (bench/cold-start.mjs, median of ${cold.samples ?? '-'} fresh isolates, min–max)`)
    if (cold.error) console.log(`not measured: ${cold.error}`)
    for (const f of [...(cold.figures ?? []), ...(cold.first_request ?? [])]) console.log(`${f.name.padEnd(34)}  ${String(f.value).padStart(8)} ms  ${f.min}–${f.max}`)
  }
  console.log('\nTargets')
  for (const t of evaluateTargets(results)) console.log(`${t.status.padEnd(12)} ${t.target}: ${t.detail}`)
}
