/**
 * @module The dashboard's table panels (plain ES2017, inlined into the page script's scope): gateway-wide totals
 * (status classes, no route, answered locally or proxied), status classes per route, and clusters. All text goes
 * through textContent: names come from config.
 */
export const PANELS_SCRIPT = String.raw`
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function fill(parent, kids) { while (parent.firstChild) parent.removeChild(parent.firstChild); kids.forEach(function (k) { parent.appendChild(k); }); }
  function classBar(counts) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0) || 1;
    return el('div', { class: 'bar', title: counts.map(function (c, i) { return (i + 1) + 'xx: ' + c; }).join('  ') },
      counts.map(function (c, i) { return c ? el('span', { class: 'k' + (i + 1), style: 'width:' + (100 * c / total) + '%' }) : null; }));
  }
  function classes(counters, prefix, stem) {
    return [1, 2, 3, 4, 5].map(function (k) { return counters[prefix + (stem || 'upstream_rq_') + k + 'xx'] || 0; });
  }

  /** Gateway-wide: every request the data plane answered, routed or not (http.downstream_rq_*). */
  function renderTotals(c) {
    var counts = classes(c, 'http.', 'downstream_rq_');
    $('t-total').textContent = String(c['http.downstream_rq_total'] || 0);
    $('t-proxied').textContent = String(c['http.downstream_rq_proxied'] || 0);
    $('t-local').textContent = String(c['http.downstream_rq_local'] || 0);
    $('t-noroute').textContent = String(c['http.no_route'] || 0);
    counts.forEach(function (n, i) { $('t-' + (i + 1) + 'xx').textContent = String(n); });
    fill($('t-bar'), [classBar(counts)]);
    $('totals-panel').dataset.ready = '1';
  }

  function renderRoutes(stats) {
    var c = stats.counters, routes = {};
    Object.keys(c).forEach(function (name) {
      var m = /^vhost\.([^.]+)\.route\.(.+)\.upstream_rq_total$/.exec(name);
      if (m) routes[m[1] + ' / ' + m[2]] = 'vhost.' + m[1] + '.route.' + m[2] + '.';
    });
    fill($('routes'), Object.keys(routes).sort().map(function (label) {
      var p = routes[label], counts = classes(c, p), time = stats.histograms[p + 'upstream_rq_time'];
      return el('tr', {}, [el('td', { text: label }), el('td', { class: 'num', text: String(c[p + 'upstream_rq_total']) }), el('td', { class: 'bar-cell' }, [classBar(counts)]), el('td', { class: 'num' + (counts[4] ? ' bad' : ''), text: String(counts[4]) }), el('td', { class: 'num', text: fmt(time && time.p99) })]);
    }));
    if (Object.keys(routes).length) $('routes-panel').dataset.ready = '1';
  }

  function renderClusters(c, clusters) {
    fill($('clusters'), clusters.clusters.map(function (cl) {
      var up = cl.endpoints.filter(function (e) { return e.available !== false && !e.ejection && e.health !== 'unhealthy'; }).length;
      var eps = el('div', {}, cl.endpoints.map(function (e) {
        var bad = e.ejection || e.health === 'unhealthy';
        return el('div', { class: bad ? 'bad' : 'ok', text: (bad ? '✗ ' : '✓ ') + e.address + (e.ejection ? ' (ejected: ' + e.ejection.reason + ')' : e.health === 'unhealthy' ? ' (failing health checks)' : '') });
      }));
      var br = cl.failure_rate_breaker ? cl.failure_rate_breaker.state : 'closed';
      var active = cl.circuit_breakers ? cl.circuit_breakers.rq_active : 0;
      return el('tr', {}, [el('td', { text: cl.name + ' (' + up + '/' + cl.endpoints.length + ')' }), el('td', {}, [eps]), el('td', {}, [el('span', { class: 'pill ' + (br === 'closed' ? 'ok' : 'bad'), text: br })]), el('td', { class: 'num', text: String(active) }), el('td', { class: 'bar-cell' }, [classBar(classes(c, 'cluster.' + cl.name + '.'))])]);
    }));
    $('clusters-panel').dataset.ready = '1';
  }
`
