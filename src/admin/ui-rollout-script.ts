/**
 * @module The dashboard's rollout panel (plain ES2017, inlined into the page script's scope; uses `el`, `fill` and
 * `$` from there): a running canary against stable side by side from the coordinator's last judgement, each
 * guardrail with its limit, the canary's share of traffic, the time to the next step, and the rollout's events.
 */
export const ROLLOUT_SCRIPT = String.raw`
  function pctOf(part, total) { return total ? (100 * part / total).toFixed(1) + ' %' : '–'; }
  function mmss(ms) { ms = Math.max(0, ms); var s = Math.round(ms / 1000); return Math.floor(s / 60) + 'm ' + (s % 60) + 's'; }
  function renderRollout(r, now) {
    var p = r.pointer, run = p && p.rollout, rec = r.rollout, panel = $('rollout-panel');
    var head = $('rollout-head'), kids = [];
    if (!run) {
      kids.push(el('div', { text: 'no rollout running' + (rec ? ' · last: canary v' + rec.canary + ' of v' + rec.stable + ', ' + rec.state.replace('_', ' ') : '') }));
    } else {
      var weight = run.steps[run.step], left = Date.parse(run.step_started_at) + run.bake - now;
      kids.push(el('div', { text: 'canary v' + run.canary.version + ' at ' + weight + ' % · stable v' + p.version + ' · step ' + (run.step + 1) + ' of ' + run.steps.length + ' (' + run.steps.join(' → ') + ' %)' }));
      kids.push(el('div', { class: 'bar', title: 'canary share of traffic' }, [el('span', { class: 'k3', style: 'width:' + weight + '%' }), el('span', { class: 'k2', style: 'width:' + (100 - weight) + '%' })]));
      kids.push(el('p', { class: 'legend rollout-legend' }, [el('span', {}, [el('i', { class: 'k3' }), document.createTextNode('canary')]), el('span', {}, [el('i', { class: 'k2' }), document.createTextNode('stable')])]));
      kids.push(el('div', { class: 'meta', text: left > 0 ? 'next step after ' + mmss(left) + ' more healthy bake' : 'baked: moves on at the next healthy judgement' }));
    }
    fill(head, kids);
    var j = rec && rec.last_judgement, rows = [];
    if (j) {
      var g = (run || rec.options).guardrails, c = j.canary, s = j.stable;
      var verdict = j.verdict.kind === 'trip' ? 'tripped: ' + j.verdict.trip.detail : j.verdict.kind === 'insufficient' ? 'waiting: ' + j.verdict.detail : 'healthy';
      rows = [
        ['requests', String(c.total), String(s.total), 'verdict after ' + g.min_requests],
        ['5xx', pctOf(c.upstream5xx + c.gateway5xx, c.total), pctOf(s.upstream5xx + s.gateway5xx, s.total), '+' + (g.max_5xx_increase * 100) + ' %'],
        ['401/403', pctOf(c.authDenied, c.total), pctOf(s.authDenied, s.total), '+' + (g.max_auth_denied_increase * 100) + ' %'],
        ['no route', pctOf(c.noRoute, c.total), pctOf(s.noRoute, s.total), '+' + (g.max_no_route_increase * 100) + ' %'],
        ['p99 ms', c.p99 == null ? '–' : Math.round(c.p99), s.p99 == null ? '–' : Math.round(s.p99), '×' + g.p99_max_ratio + ' and +' + g.p99_min_increase]
      ].map(function (row) { return el('tr', {}, [el('td', { text: row[0] }), el('td', { class: 'num', text: String(row[1]) }), el('td', { class: 'num', text: String(row[2]) }), el('td', { text: row[3] })]); });
      $('rollout-verdict').textContent = 'last judgement ' + new Date(j.at).toLocaleTimeString() + ': ' + verdict;
      $('rollout-verdict').className = j.verdict.kind === 'trip' ? 'error' : j.verdict.kind === 'healthy' ? 'ok' : 'warn';
    } else $('rollout-verdict').textContent = run ? 'not judged yet' : '';
    fill($('rollout-figures'), rows);
    fill($('rollout-events'), ((rec && rec.events) || []).slice(-8).map(function (e) {
      return el('tr', {}, [el('td', { text: new Date(e.at).toLocaleTimeString() }), el('td', { text: e.kind.replace('_', ' ') }), el('td', { class: 'num', text: e.weight + ' %' }), el('td', { text: e.reason })]);
    }));
    panel.dataset.ready = '1';
  }
`
