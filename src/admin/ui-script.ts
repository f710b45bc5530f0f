/**
 * @module The dashboard's script (plain ES2017, no dependencies), inlined into the page. Every 2 s it reads
 * `/stats?usedonly&histogram_buckets=disjoint`, `/clusters`, `/status` and `/recorder/snapshots` with the
 * token, and redraws: request rate and interval latency percentiles (from bucket deltas) as SVG lines, status
 * classes per route and per cluster as bars, cluster health and breakers, config version and rejections.
 * All text goes through textContent (names come from config, still escaped). `#refresh=<ms>` changes the period.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var BASE = '/__legate', POINTS = 60;
  var hash = new URLSearchParams(location.hash.slice(1));
  var REFRESH = Math.max(250, Number(hash.get('refresh')) || 2000);
  if (hash.get('token')) { sessionStorage.setItem('legate-token', hash.get('token')); history.replaceState(null, '', location.pathname); }
  var token = sessionStorage.getItem('legate-token');
  var $ = function (id) { return document.getElementById(id); };
  var prev = null, rate = [], lat = { p50: [], p90: [], p99: [] };

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function push(list, v) { list.push(v); if (list.length > POINTS) list.shift(); }
  function fmt(v) { return v === null || v === undefined ? '–' : v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10); }

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

  function lineChart(svg, series) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = 600, H = 160, pad = 22, max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    max = max > 0 ? max * 1.15 : 1;
    [0, 0.5, 1].forEach(function (f) {
      var y = H - pad - f * (H - 2 * pad);
      svg.appendChild(svgEl('line', { x1: 30, x2: W, y1: y, y2: y, class: 'grid' }));
      var t = svgEl('text', { x: 2, y: y + 3 }); t.textContent = fmt(f * max); svg.appendChild(t);
    });
    var points = 0;
    series.forEach(function (s) {
      var path = '', pen = false;
      s.values.forEach(function (v, i) {
        if (v === null) { pen = false; return; }
        var x = 30 + (i / (POINTS - 1)) * (W - 30), y = H - pad - (v / max) * (H - 2 * pad);
        path += (pen ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1) + ' '; pen = true; if (s === series[0]) points++;
      });
      if (path) svg.appendChild(svgEl('path', { d: path, fill: 'none', style: 'stroke:' + s.color + ';stroke-width:2', 'data-series': s.name }));
    });
    svg.setAttribute('data-points', String(points));
    return points;
  }

  function classBar(counts) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0) || 1;
    return el('div', { class: 'bar', title: counts.map(function (c, i) { return (i + 1) + 'xx: ' + c; }).join('  ') },
      counts.map(function (c, i) { return c ? el('span', { class: 'k' + (i + 1), style: 'width:' + (100 * c / total) + '%' }) : null; }));
  }
  function classes(counters, prefix) {
    return [1, 2, 3, 4, 5].map(function (k) { return counters[prefix + 'upstream_rq_' + k + 'xx'] || 0; });
  }
  function fill(tbody, rows) { while (tbody.firstChild) tbody.removeChild(tbody.firstChild); rows.forEach(function (r) { tbody.appendChild(r); }); }

  function render(stats, clusters, status, snaps) {
    var now = Date.now(), c = stats.counters, h = stats.histograms['http.downstream_rq_time'];
    var total = c['http.downstream_rq_total'] || 0, buckets = bucketMap(h);
    if (prev) {
      var dt = (now - prev.t) / 1000, delta = {};
      push(rate, Math.max(0, (total - prev.total) / dt));
      for (var k in buckets) { var d = buckets[k] - (prev.buckets[k] || 0); if (d > 0) delta[k] = d; }
      push(lat.p50, quantile(delta, 0.5)); push(lat.p90, quantile(delta, 0.9)); push(lat.p99, quantile(delta, 0.99));
      $('rate-now').textContent = fmt(rate[rate.length - 1]) + ' req/s';
    }
    prev = { t: now, total: total, buckets: buckets };
    if (lineChart($('rate-chart'), [{ name: 'rate', color: 'var(--c1)', values: rate }]) >= 2) $('rate-panel').dataset.ready = '1';
    if (lineChart($('latency-chart'), [{ name: 'p50', color: 'var(--c2)', values: lat.p50 }, { name: 'p90', color: 'var(--c3)', values: lat.p90 }, { name: 'p99', color: 'var(--c4)', values: lat.p99 }]) >= 2) $('latency-panel').dataset.ready = '1';

    var routes = {};
    Object.keys(c).forEach(function (name) {
      var m = /^vhost\.([^.]+)\.route\.(.+)\.upstream_rq_total$/.exec(name);
      if (m) routes[m[1] + ' / ' + m[2]] = 'vhost.' + m[1] + '.route.' + m[2] + '.';
    });
    fill($('routes'), Object.keys(routes).sort().map(function (label) {
      var p = routes[label], counts = classes(c, p), time = stats.histograms[p + 'upstream_rq_time'];
      return el('tr', {}, [el('td', { text: label }), el('td', { class: 'num', text: String(c[p + 'upstream_rq_total']) }), el('td', {}, [classBar(counts)]), el('td', { class: 'num' + (counts[4] ? ' bad' : ''), text: String(counts[4]) }), el('td', { class: 'num', text: fmt(time && time.p99) })]);
    }));
    if (Object.keys(routes).length) $('routes-panel').dataset.ready = '1';

    fill($('clusters'), clusters.clusters.map(function (cl) {
      var up = cl.endpoints.filter(function (e) { return e.available !== false && !e.ejection && e.health !== 'unhealthy'; }).length;
      var eps = el('div', {}, cl.endpoints.map(function (e) {
        var bad = e.ejection || e.health === 'unhealthy';
        return el('div', { class: bad ? 'bad' : 'ok', text: (bad ? '✗ ' : '✓ ') + e.address + (e.ejection ? ' (ejected: ' + e.ejection.reason + ')' : e.health === 'unhealthy' ? ' (failing health checks)' : '') });
      }));
      var br = cl.failure_rate_breaker ? cl.failure_rate_breaker.state : 'closed';
      var active = cl.circuit_breakers ? cl.circuit_breakers.rq_active : 0;
      return el('tr', {}, [el('td', { text: cl.name + ' (' + up + '/' + cl.endpoints.length + ')' }), el('td', {}, [eps]), el('td', {}, [el('span', { class: 'pill ' + (br === 'closed' ? 'ok' : 'bad'), text: br })]), el('td', { class: 'num', text: String(active) }), el('td', {}, [classBar(classes(c, 'cluster.' + cl.name + '.'))])]);
    }));
    $('clusters-panel').dataset.ready = '1';

    var s = status.config;
    $('version').textContent = s.live_version === null ? 'none' : 'v' + s.live_version;
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

  var timer = null;
  function tick() {
    Promise.all([api('/stats?usedonly&histogram_buckets=disjoint'), api('/clusters'), api('/status'), api('/recorder/snapshots')])
      .then(function (r) { $('fetch-error').textContent = ''; render(r[0], r[1], r[2], r[3]); timer = setTimeout(tick, REFRESH); })
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
