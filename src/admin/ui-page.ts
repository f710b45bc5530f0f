/**
 * @module The dashboard page: markup and style. Self-contained (no CDN, no external fonts); the charts are inline
 * SVG drawn by the script in ui-script.ts. Every panel marks itself `data-ready` once it shows data, so a
 * browser test can wait for it.
 */
import { DASHBOARD_SCRIPT } from './ui-script.ts'

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #6b7280; --line: #e3e6eb;
  --c1: #2563eb; --c2: #16a34a; --c3: #d97706; --c4: #dc2626; --c5: #7c3aed; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --card: #1a1f26; --ink: #e6e8eb; --muted: #9aa3ad; --line: #2a313a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .8rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--card); flex-wrap: wrap; }
header h1 { font-size: 1.1rem; margin: 0; }
header .meta { color: var(--muted); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 1rem; padding: 1rem 1.2rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; min-width: 0; overflow-wrap: anywhere; }
section h2 { font-size: .95rem; margin: 0 0 .5rem; display: flex; flex-wrap: wrap; gap: .2rem .8rem; justify-content: space-between; }
section h2 small { color: var(--muted); font-weight: normal; }
svg { width: 100%; height: 180px; display: block; }
svg text.axis { fill: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
svg .grid { stroke: var(--line); stroke-width: 1; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th, td.num, .pill { overflow-wrap: normal; white-space: nowrap; }
.bar { display: flex; height: 12px; width: 100%; min-width: 40px; border-radius: 3px; overflow: hidden; background: var(--line); }
td.bar-cell { width: 30%; }
.bar span { display: block; height: 100%; }
.k1 { background: var(--muted); } .k2 { background: var(--c2); } .k3 { background: var(--c1); } .k4 { background: var(--c3); } .k5 { background: var(--c4); }
.pill { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; border: 1px solid var(--line); }
.ok { color: var(--c2); } .bad { color: var(--c4); } .warn { color: var(--c3); }
.legend span { margin-right: .8rem; white-space: nowrap; } .legend i { display: inline-block; width: 10px; height: 3px; margin-right: .3rem; vertical-align: middle; }
.status-legend, .rollout-legend { margin: .5rem 0 0; color: var(--muted); font-size: 12px; } .status-legend i, .rollout-legend i { height: 10px; border-radius: 2px; }
.totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(110px, 1fr)); gap: .5rem; margin-bottom: .6rem; }
.totals b { display: block; font-size: 1.4rem; font-variant-numeric: tabular-nums; } .totals span { color: var(--muted); font-size: 12px; }
@media (max-width: 600px) { main { padding: .6rem; gap: .6rem; } section { padding: .6rem; } th, td { padding: .2rem .25rem; } td.bar-cell { width: 22%; } }
#login { max-width: 420px; margin: 4rem auto; background: var(--card); padding: 1.5rem; border-radius: 8px; border: 1px solid var(--line); }
#login input { width: 100%; padding: .5rem; margin: .5rem 0; }
.error { color: var(--c4); }
pre { white-space: pre-wrap; font-size: 12px; max-height: 240px; overflow: auto; }
button.link { background: none; border: 0; color: var(--c1); cursor: pointer; padding: 0; font: inherit; }
`

const STATUS_LEGEND = `<p class="legend status-legend">${[1, 2, 3, 4, 5].map((k) => `<span data-class="${k}xx"><i class="k${k}"></i>${k}xx</span>`).join('')}</p>`

const BODY = `
<div id="login" hidden>
  <h1>Legate admin</h1>
  <p>Enter the admin token (ADMIN_TOKEN). It stays in this tab (sessionStorage).</p>
  <form id="login-form"><input id="token" type="password" autocomplete="off" placeholder="admin token"><button>Open dashboard</button></form>
  <p id="login-error" class="error"></p>
</div>
<div id="app" hidden>
  <header>
    <h1>Legate</h1>
    <span class="meta">config <b id="version">–</b> <span id="live-since"></span></span>
    <span class="meta" id="rejections"></span>
    <span class="meta">updated <span id="updated">–</span></span>
    <span class="meta error" id="fetch-error"></span>
  </header>
  <main>
    <section id="totals-panel"><h2>All requests <small>gateway-wide, routed or not, all time</small></h2>
      <div class="totals"><div><b id="t-total">–</b><span>requests</span></div><div><b id="t-proxied">–</b><span>proxied to an upstream</span></div><div><b id="t-local">–</b><span>answered by the gateway</span></div><div><b id="t-noroute">–</b><span>no route (404)</span></div></div>
      <div id="t-bar"></div>
      <p class="legend status-legend" id="status-legend">${[1, 2, 3, 4, 5].map((k) => `<span data-class="${k}xx"><i class="k${k}"></i>${k}xx <b id="t-${k}xx">0</b></span>`).join('')}</p></section>
    <section id="rate-panel"><h2>Request rate <small id="rate-now">–</small></h2><svg id="rate-chart" role="img" aria-label="requests per second"></svg></section>
    <section id="latency-panel"><h2>Latency (ms, per interval) <small class="legend"><span><i style="background:var(--c2)"></i>p50</span><span><i style="background:var(--c3)"></i>p90</span><span><i style="background:var(--c4)"></i>p99</span></small></h2><svg id="latency-chart" role="img" aria-label="latency percentiles"></svg></section>
    <section id="routes-panel"><h2>Status classes per route <small>all time</small></h2><table><thead><tr><th>route</th><th class="num">requests</th><th>1xx–5xx</th><th class="num">5xx</th><th class="num">p99 ms</th></tr></thead><tbody id="routes"></tbody></table>${STATUS_LEGEND}</section>
    <section id="clusters-panel"><h2>Clusters <small>this isolate's view</small></h2><table><thead><tr><th>cluster</th><th>endpoints</th><th>breaker</th><th class="num">active</th><th>2xx–5xx</th></tr></thead><tbody id="clusters"></tbody></table>${STATUS_LEGEND}</section>
    <section id="config-panel"><h2>Config</h2><div id="config"></div></section>
    <section id="rollout-panel"><h2>Canary rollout <small>canary vs stable since the step began</small></h2><div id="rollout-head"></div><p id="rollout-verdict"></p><table><thead><tr><th></th><th class="num">canary</th><th class="num">stable</th><th>guardrail</th></tr></thead><tbody id="rollout-figures"></tbody></table><table><tbody id="rollout-events"></tbody></table></section>
    <section id="recorder-panel"><h2>Flight recorder snapshots</h2><table><thead><tr><th>when</th><th>route</th><th>trigger</th><th>event</th></tr></thead><tbody id="snapshots"></tbody></table><pre id="snapshot-detail" hidden></pre></section>
  </main>
</div>
`

/** The whole page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Legate dashboard</title><style>${STYLE}</style></head>
<body>${BODY}<script>${DASHBOARD_SCRIPT}</script></body></html>`
