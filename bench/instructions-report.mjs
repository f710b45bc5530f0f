/**
 * bench/instructions.mjs's reading and reporting: the instruction counts of one callgrind dump (with and without
 * V8's platform tasks), and the per-variant summary (medians, over bare, against unobserved and the baseline).
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * The newest dump's count, all threads (callgrind writes one file per thread: cg.<pid>.<dump>-<thread>), and the
 * part run from V8's platform task loop (workerd's `jsg::Lock::pumpMsgLoop`: the scavenges of the young
 * generation, mostly), read through callgrind_annotate. A scavenge lands on whichever variant fills the young
 * generation, so a round moves by ±5 % with it; without the tasks two builds compare to about 1–2 %.
 * @param seen files already read (updated)
 * @param keepDir where to copy each dump as `<label>.<thread>`, if set
 */
export function readDump(dir, seen, label, keepDir) {
  const fresh = fs.readdirSync(dir).filter((f) => f.startsWith('cg.') && !seen.has(f))
  let total = 0
  let tasks = 0
  for (const f of fresh) {
    seen.add(f)
    if (keepDir) fs.copyFileSync(path.join(dir, f), path.join(keepDir, `${label}.${f.split('-').pop()}`))
    const m = /^(?:summary|totals):\s*(\d+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'))
    if (m) total += Number(m[1])
    const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', path.join(dir, f)], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout ?? ''
    const t = /^\s*([\d,]+) .*jsg::Lock::pumpMsgLoop\(\)/m.exec(annotated)
    if (t) tasks += Number(t[1].replaceAll(',', ''))
  }
  if (!total) throw new Error(`no callgrind dump found (files: ${fresh.join(', ') || 'none'})`)
  return { total, tasks }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1]

/**
 * The run's result: per variant the median instructions per request (all, and without V8's tasks), over bare,
 * against `unobserved` and, with a baseline, against `<variant>-base`.
 */
export function summarize({ names, perRequest, withoutTasks, note, baseline, meta }) {
  const of = (n) => (perRequest[n] ? median(perRequest[n]) : undefined)
  const mut = (n) => median(withoutTasks[n])
  const bare = of('bare')
  const unobserved = of('unobserved')
  const variants = names.map((n) => {
    const v = of(n)
    return {
      variant: n,
      note: note(n),
      instructions_per_request: v,
      over_bare: v - bare,
      ratio_to_bare: Number((v / bare).toFixed(3)),
      without_v8_tasks: mut(n),
      without_v8_tasks_over_bare: mut(n) - mut('bare'),
      ...(baseline && names.includes(`${n}-base`)
        ? { vs_baseline: Number((v / of(`${n}-base`) - 1).toFixed(4)), without_v8_tasks_vs_baseline: Number((mut(n) / mut(`${n}-base`) - 1).toFixed(4)) }
        : {}),
      ...(unobserved !== undefined && n !== 'bare' ? { cost_vs_unobserved: Number((v / unobserved - 1).toFixed(4)) } : {}),
      rounds: perRequest[n],
      rounds_without_v8_tasks: withoutTasks[n],
    }
  })
  return { date: new Date().toISOString(), ...(baseline ? { baseline } : {}), ...meta, variants }
}

const pct = (x) => (x === undefined ? '' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`)

/** The table on stdout. */
export function printSummary(variants) {
  console.log('\nvariant             instructions/request   over bare   × bare   vs unobserved   vs base   without V8 tasks (over bare, vs base)   rounds')
  for (const v of variants) {
    const without = `${v.without_v8_tasks.toLocaleString('en')} (${v.without_v8_tasks_over_bare.toLocaleString('en')}${v.without_v8_tasks_vs_baseline === undefined ? '' : `, ${pct(v.without_v8_tasks_vs_baseline)}`})`
    console.log(
      `${v.variant.padEnd(19)} ${v.instructions_per_request.toLocaleString('en').padStart(20)}   ${v.over_bare.toLocaleString('en').padStart(9)}   ${v.ratio_to_bare.toFixed(3).padStart(6)}   ${pct(v.cost_vs_unobserved).padStart(13)}   ${pct(v.vs_baseline).padStart(8)}   ${without.padStart(37)}   ${v.rounds.map((x) => x.toLocaleString('en')).join(' ')}`,
    )
  }
}
