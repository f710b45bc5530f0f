/**
 * @module The dashboard's script (plain ES2017, no dependencies), inlined into the page. Every 2 s it reads
 * `/stats?usedonly&histogram_buckets=disjoint`, `/clusters`, `/status`, `/recorder/snapshots` and `/rollout` with the
 * token, and redraws: gateway-wide totals, request rate and interval latency percentiles (from bucket deltas)
 * on a time axis (ui-chart-script.ts), the route and cluster panels (ui-panels-script.ts), config version and
 * rejections, the canary rollout (ui-rollout-script.ts), flight-recorder snapshots. All text goes through textContent. `#refresh=<ms>` changes the period.
 */
import { CHART_SCRIPT } from './ui-chart-script.ts'
import { PANELS_SCRIPT } from './ui-panels-script.ts'
import { ROLLOUT_SCRIPT } from './ui-rollout-script.ts'

export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var BASE = '/__legate', POINTS = 60;
  var hash = new URLSearchParams(location.hash.slice(1));
  var REFRESH = Math.max(250, Number(hash.get('refresh')) || 2000);
  if (hash.get('token')) { sessionStorage.setItem('legate-token', hash.get('token')); history.replaceState(null, '', location.pathname); }
  var token = sessionStorage.getItem('legate-token');
  var $ = function (id) { return document.getElementById(id); };
  var prev = null, times = [], rate = [], lat = { p50: [], p90: [], p99: [] };

  function push(list, v) { list.push(v); if (list.length > POINTS) list.shift(); }
${CHART_SCRIPT}${PANELS_SCRIPT}${ROLLOUT_SCRIPT}
  function login(message) {
    $('app').hidden = true; $('login').hidden = false; $('login-error').textContent = message || '';
  }
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault(); token = $('token').value.trim(); sessionStorage.setItem('legate-token', token); start();
  });

  function api(path) {
    return fetch(BASE + path, { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) { sessionStorage.removeItem('legate-token'); throw Object.assign(new Error('the token was refused'), { auth: true }); }
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }

  /** Quantile of a disjoint bucket map {upper: count} (upper bounds; at most 10% above the true value). */
  function quantile(buckets, q) {
    var keys = Object.keys(buckets).map(Number).sort(function (a, b) { return a - b; });
    var total = keys.reduce(function (s, k) { return s + buckets[k]; }, 0);
    if (!total) return null;
    var seen = 0;
    for (var i = 0; i < keys.length; i++) { seen += buckets[keys[i]]; if (seen >= q * total) return keys[i] === Infinity ? null : keys[i]; }
    return null;
  }
  function bucketMap(h) {
    var m = {};
    ((h && h.buckets) || []).forEach(function (b) { m[b[0] === '+Inf' ? Infinity : b[0]] = b[1]; });
    return m;
  }

  function render(stats, clusters, status, snaps, rollout) {
    var now = Date.now(), c = stats.counters, h = stats.histograms['http.downstream_rq_time'];
    var total = c['http.downstream_rq_total'] || 0, buckets = bucketMap(h);
    if (prev) {
      var dt = (now - prev.t) / 1000, delta = {};
      push(times, now);
      push(rate, Math.max(0, (total - prev.total) / dt));
      for (var k in buckets) { var d = buckets[k] - (prev.buckets[k] || 0); if (d > 0) delta[k] = d; }
      push(lat.p50, quantile(delta, 0.5)); push(lat.p90, quantile(delta, 0.9)); push(lat.p99, quantile(delta, 0.99));
      $('rate-now').textContent = fmt(rate[rate.length - 1]) + ' req/s';
    }
    prev = { t: now, total: total, buckets: buckets };
    renderTotals(c);
    drawCharts();
    renderRoutes(stats);
    renderClusters(c, clusters);
    renderRollout(rollout, now);

    var s = status.config;
    $('version').textContent = (s.live_version === null ? 'none' : 'v' + s.live_version) + (s.canary_version ? ' + canary v' + s.canary_version + ' at ' + s.canary_weight + ' %' : '');
    $('live-since').textContent = s.live_since ? 'since ' + new Date(s.live_since).toLocaleTimeString() : '';
    $('rejections').textContent = s.update_rejected ? s.update_rejected + ' rejected update(s)' : 'no rejected updates';
    $('rejections').className = 'meta ' + (s.update_rejected ? 'warn' : 'ok');
    var cfg = $('config'); while (cfg.firstChild) cfg.removeChild(cfg.firstChild);
    cfg.appendChild(el('div', { text: 'live version ' + (s.live_version === null ? 'none' : s.live_version) + ' · applied ' + s.update_success + ' · rejected ' + s.update_rejected + ' · unreadable ' + s.update_failure }));
    if (s.last_error) {
      cfg.appendChild(el('div', { class: 'error', text: 'last refused: version ' + s.last_error.version + ' at ' + s.last_error.at + ': ' + s.last_error.message }));
      cfg.appendChild(el('pre', { text: (s.last_error.issues || []).slice(0, 8).map(function (i) { return i.path + ': ' + i.message; }).join('\n') }));
    }
    $('config-panel').dataset.ready = '1';

    fill($('snapshots'), snaps.snapshots.slice(0, 10).map(function (m) {
      var open = el('button', { class: 'link', text: new Date(m.at).toLocaleTimeString() });
      open.addEventListener('click', function () {
        api('/recorder/snapshot?route=' + encodeURIComponent(m.route) + '&id=' + encodeURIComponent(m.id)).then(function (snap) {
          var d = $('snapshot-detail'); d.hidden = false;
          d.textContent = [snap.trigger + ' on ' + snap.route + ' · ' + snap.before.length + ' before, ' + snap.after.length + ' after'].concat(snap.before.concat(snap.after).map(function (r) {
            return (r === snap.event || r.request_id === snap.event.request_id ? '» ' : '  ') + new Date(r.at).toISOString().slice(11, 23) + ' ' + r.method + ' ' + r.path + ' ' + r.status + ' ' + r.response_flags + ' ' + r.duration_ms + 'ms ' + r.request_id;
          })).join('\n');
        });
      });
      return el('tr', {}, [el('td', {}, [open]), el('td', { text: m.route }), el('td', { text: m.trigger }), el('td', { text: m.status + ' ' + m.path })]);
    }));
    $('recorder-panel').dataset.ready = '1';
    $('updated').textContent = new Date(now).toLocaleTimeString();
  }

  function drawCharts() {
    if (lineChart($('rate-chart'), [{ name: 'rate', color: 'var(--c1)', values: rate }], times) >= 2) $('rate-panel').dataset.ready = '1';
    if (lineChart($('latency-chart'), [{ name: 'p50', color: 'var(--c2)', values: lat.p50 }, { name: 'p90', color: 'var(--c3)', values: lat.p90 }, { name: 'p99', color: 'var(--c4)', values: lat.p99 }], times) >= 1) $('latency-panel').dataset.ready = '1';
  }
  // The charts are drawn in pixels: redraw them at the new size.
  var resizing = null;
  window.addEventListener('resize', function () { clearTimeout(resizing); resizing = setTimeout(drawCharts, 100); });

  var timer = null;
  function tick() {
    Promise.all([api('/stats?usedonly&histogram_buckets=disjoint'), api('/clusters'), api('/status'), api('/recorder/snapshots'), api('/rollout')])
      .then(function (r) { $('fetch-error').textContent = ''; render(r[0], r[1], r[2], r[3], r[4]); timer = setTimeout(tick, REFRESH); })
      .catch(function (e) { if (e.auth) return login(e.message); $('fetch-error').textContent = e.message; timer = setTimeout(tick, REFRESH); });
  }
  function start() {
    if (!token) return login();
    $('login').hidden = true; $('app').hidden = false;
    clearTimeout(timer); tick();
  }
  start();
})();
`
