#!/usr/bin/env node
/**
 * Draws docs/performance.svg from bench/results.json (no dependencies): throughput per scenario with the ratio to
 * the bare Worker and the 0.85 / 0.70 targets, route-match cost per table size with the 2 × target, and config
 * compile time per size with the 200 ms budget. Skipped scenarios are listed with their reason.
 *
 *   node bench/chart.mjs [results.json] [--out docs/performance.svg]   writes the chart (run.mjs calls this)
 *   node bench/chart.mjs [results.json] --markdown                     prints the tables for docs/performance.md
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { evaluateTargets } from './targets.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DEFAULT_RESULTS = path.join(ROOT, 'bench', 'results.json')
const DEFAULT_SVG = path.join(ROOT, 'docs', 'performance.svg')

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fmt = (n) => Math.round(n).toLocaleString('en-US')

const W = 960
const LABEL_W = 190
const BAR_W = 520
const ROW_H = 24
const COLORS = { bare: '#6b7280', legate: '#f38020', peer: '#3b82f6', micro: '#0f766e', miss: '#dc2626' }

function colorFor(name) {
  if (name.startsWith('bare')) return COLORS.bare
  if (name.startsWith('legate')) return COLORS.legate
  return COLORS.peer
}

/** Horizontal bars. rows: { label, value?, text, color?, muted? }; lines: { value, label }. Returns [svg, height]. */
function barPanel(y0, title, subtitle, rows, lines = []) {
  const max = Math.max(1e-9, ...rows.map((r) => r.value ?? 0), ...lines.map((l) => l.value)) * 1.08
  const x = (v) => LABEL_W + (v / max) * BAR_W
  const top = y0 + 46
  const parts = [
    `<text x="16" y="${y0 + 20}" class="title">${esc(title)}</text>`,
    `<text x="16" y="${y0 + 38}" class="sub">${esc(subtitle)}</text>`,
  ]
  rows.forEach((r, i) => {
    const y = top + i * ROW_H
    parts.push(`<text x="${LABEL_W - 8}" y="${y + 16}" class="label" text-anchor="end">${esc(r.label)}</text>`)
    if (r.value === undefined || r.value === null) {
      parts.push(`<text x="${LABEL_W}" y="${y + 16}" class="muted">${esc(r.text)}</text>`)
      return
    }
    const w = Math.max(1, x(r.value) - LABEL_W)
    parts.push(`<rect x="${LABEL_W}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW_H - 8}" rx="2" fill="${r.color ?? COLORS.micro}"/>`)
    parts.push(`<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + 16}" class="value">${esc(r.text)}</text>`)
  })
  const bottom = top + rows.length * ROW_H
  for (const l of lines) {
    const lx = x(l.value).toFixed(1)
    parts.push(`<line x1="${lx}" y1="${top - 4}" x2="${lx}" y2="${bottom + 2}" class="target"/>`)
    parts.push(`<text x="${lx}" y="${bottom + 14}" class="tlabel" text-anchor="middle">${esc(l.label)}</text>`)
  }
  return [parts.join('\n'), bottom + 24 - y0]
}

export function renderChart(results) {
  const sc = results.scenarios
  const bare = sc.find((s) => s.name === 'bare')
  const loadRows = sc.map((s) =>
    s.rps === null || s.ratio_to_bare === null
      ? { label: s.name, text: s.skipped ? `skipped: ${s.skipped}` : `not measured: ${s.error}` }
      : {
          label: s.name,
          value: s.rps,
          color: colorFor(s.name),
          text: `${fmt(s.rps)} req/s · ${s.ratio_to_bare.toFixed(2)} × bare · p99 ${s.p99_ms} ms`,
        }
  )
  const loadLines = bare?.rps ? [{ value: bare.rps * 0.85, label: '0.85 × bare' }, { value: bare.rps * 0.7, label: '0.70 × bare' }] : []
  const run = results.machine?.run ?? {}
  const [p1, h1] = barPanel(
    0,
    'Throughput through each system (median req/s, higher is better)',
    `${run.rounds ?? '?'} alternating rounds × ${run.duration_s ?? '?'} s, ${run.connections ?? '?'} connections, autocannon → system → Node upstream, all on 127.0.0.1`,
    loadRows,
    loadLines
  )

  const micro = (prefix) =>
    [10, 100, 1000, 10000]
      .map((n) => ({ n, m: results.micro.find((x) => x.name === `${prefix}-${n}`) }))
      .filter((x) => x.m)
  const match = micro('route-match')
  const match10 = match.find((x) => x.n === 10)?.m.value
  const [p2, h2] = match.length
    ? barPanel(
        0,
        'Route match (ns per match, lower is better)',
        'bench/micro-router.ts: prefix / exact / regex / template mix, request for a route in the middle of the table',
        match.map(({ n, m }) => ({
          label: `${fmt(n)} routes`,
          value: m.value,
          color: match10 && m.value > 2 * match10 ? COLORS.miss : COLORS.micro,
          text: `${m.value} ns${match10 ? ` (${(m.value / match10).toFixed(2)} × 10 routes)` : ''}`,
        })),
        match10 ? [{ value: 2 * match10, label: 'target: 2 × 10 routes' }] : []
      )
    : ['', 0]
  const compile = micro('compile')
  const [p3, h3] = compile.length
    ? barPanel(
        0,
        'Config compile (ms, validateConfig + compileConfig, lower is better)',
        'bench/micro.ts: the same route mix as a full route table; median of several runs',
        compile.map(({ n, m }) => ({
          label: `${fmt(n)} routes`,
          value: m.value,
          color: n === 10000 && m.value >= 200 ? COLORS.miss : COLORS.micro,
          text: `${m.value} ms`,
        })),
        [{ value: 200, label: 'target: 200 ms at 10,000 routes' }]
      )
    : ['', 0]

  const m = results.machine ?? {}
  const footer = `${m.cpu ?? ''} · ${m.cores ?? '?'} cores · load avg at start ${m.load_avg_start?.[0] ?? '?'} · node ${results.versions?.node ?? '?'} · workerd ${results.versions?.workerd ?? '?'} · ${run.started_at ?? ''}${run.quick ? ' · --quick' : ''}`
  const h = h1 + h2 + h3 + 40
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
  .title { font-size: 15px; font-weight: 600; fill: #111827 }
  .sub { font-size: 11px; fill: #6b7280 }
  .label { font-size: 12px; fill: #111827 }
  .value { font-size: 11px; fill: #374151 }
  .muted { font-size: 11px; fill: #9ca3af; font-style: italic }
  .target { stroke: #dc2626; stroke-width: 1; stroke-dasharray: 4 3 }
  .tlabel { font-size: 10px; fill: #dc2626 }
  .foot { font-size: 10px; fill: #6b7280 }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<g transform="translate(0, 8)">${p1}</g>
<g transform="translate(0, ${8 + h1})">${p2}</g>
<g transform="translate(0, ${8 + h1 + h2})">${p3}</g>
<text x="16" y="${h - 10}" class="foot">${esc(footer)}</text>
</svg>
`
}

export function writeChart(resultsPath = DEFAULT_RESULTS, outPath = DEFAULT_SVG) {
  const results = JSON.parse(fs.readFileSync(resultsPath, 'utf8'))
  fs.mkdirSync(path.dirname(outPath), { recursive: true })
  fs.writeFileSync(outPath, renderChart(results))
  return outPath
}

/** Markdown tables for docs/performance.md. */
export function markdown(results) {
  const out = []
  out.push('| scenario | system | req/s | p50 ms | p99 ms | × bare | DO calls / req | workerd CPU µs / req | notes |')
  out.push('|---|---|--:|--:|--:|--:|--:|--:|---|')
  for (const s of results.scenarios) {
    if (s.rps === null) out.push(`| \`${s.name}\` | ${s.system} | – | – | – | – | – | – | ${s.skipped ? `skipped: ${s.skipped}` : `error: ${s.error}`} |`)
    else
      out.push(
        `| \`${s.name}\` | ${s.system} | ${fmt(s.rps)} | ${s.p50_ms} | ${s.p99_ms} | ${s.ratio_to_bare.toFixed(3)} | ${s.do_calls_per_request ?? '–'} | ${s.workerd_cpu_us_per_request ?? '–'} | ${s.note ?? ''} |`
      )
  }
  out.push('', '| micro | value | unit |', '|---|--:|---|')
  for (const m of results.micro) out.push(`| \`${m.name}\` | ${m.value} | ${m.unit} |`)
  if (results.cold_start?.figures) {
    out.push('', '| cold start (fresh isolate) | median ms | min–max |', '|---|--:|---|')
    for (const f of [...results.cold_start.figures, ...results.cold_start.first_request]) out.push(`| \`${f.name}\` | ${f.value} | ${f.min}–${f.max} |`)
  }
  out.push('', '| target | from | status | measured |', '|---|---|---|---|')
  for (const t of evaluateTargets(results)) out.push(`| ${t.target} | ${t.source} | ${t.status} | ${t.detail} |`)
  return out.join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2)
  const outIdx = args.indexOf('--out')
  const out = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : DEFAULT_SVG
  const input = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--out') ?? DEFAULT_RESULTS
  if (args.includes('--markdown')) console.log(markdown(JSON.parse(fs.readFileSync(input, 'utf8'))))
  else console.log(`Wrote ${path.relative(process.cwd(), writeChart(path.resolve(input), out))}`)
}
