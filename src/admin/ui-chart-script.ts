/**
 * @module The dashboard's line chart (plain ES2017, inlined into the page script's scope): drawn in the SVG's
 * own pixel size, so axis labels keep their CSS font size at any width; a value axis, a clock-time axis, paths
 * for runs of points and a circle for every point with no neighbour (bursty traffic leaves gaps).
 */
export const CHART_SCRIPT = String.raw`
  var SVG_NS = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(v) { return v === null || v === undefined ? '–' : v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10); }
  function pad2(n) { return n < 10 ? '0' + n : String(n); }
  function clock(t) { var d = new Date(t); return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()); }

  /**
   * Draws series (each {name, color, values}) over times (ms, one per value, newest last) into svg, filling
   * POINTS slots from the right. Returns the number of values of the first series that are not null; data-points,
   * data-isolated (circles drawn) and data-gap (the first series' newest value is empty) say what was drawn.
   */
  function lineChart(svg, series, times) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = Math.max(160, Math.round(svg.getBoundingClientRect().width) || 600), H = 180;
    var L = 44, R = 10, T = 10, B = 26, plotW = W - L - R, plotH = H - T - B, max = 0;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    max = max > 0 ? max * 1.15 : 1;
    [0, 0.5, 1].forEach(function (f) {
      var y = T + plotH - f * plotH;
      svg.appendChild(svgEl('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
      svg.appendChild(svgEl('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis y-label' }, fmt(f * max)));
    });
    var n = times.length, first = POINTS - n;
    var xOf = function (i) { return L + ((first + i) / (POINTS - 1)) * plotW; };
    var yOf = function (v) { return T + plotH - (v / max) * plotH; };
    // The time axis spans the whole window (POINTS slots), oldest left: slot times are extrapolated from the
    // samples' spacing. As many labels as fit (about one per 90 px), none clipped at either edge.
    var step = n >= 2 ? (times[n - 1] - times[0]) / (n - 1) : REFRESH;
    var slots = Math.max(2, Math.min(6, Math.floor(plotW / 90)));
    for (var k = 0; k < slots && n > 0; k++) {
      var slot = Math.round((k / (slots - 1)) * (POINTS - 1)), x = L + (slot / (POINTS - 1)) * plotW;
      var anchor = k === 0 ? 'start' : k === slots - 1 ? 'end' : 'middle';
      svg.appendChild(svgEl('line', { x1: x, x2: x, y1: T + plotH, y2: T + plotH + 4, class: 'grid' }));
      svg.appendChild(svgEl('text', { x: x, y: H - 6, 'text-anchor': anchor, class: 'axis x-label' }, clock(times[n - 1] - (POINTS - 1 - slot) * step)));
    }
    var points = 0, isolated = 0;
    series.forEach(function (s, si) {
      var path = '', vals = s.values;
      vals.forEach(function (v, i) {
        if (v === null || v === undefined) return;
        if (si === 0) points++;
        var x = xOf(i).toFixed(1), y = yOf(v).toFixed(1);
        var before = i > 0 && vals[i - 1] !== null && vals[i - 1] !== undefined;
        var after = i < vals.length - 1 && vals[i + 1] !== null && vals[i + 1] !== undefined;
        path += (before ? 'L' : 'M') + x + ' ' + y + ' ';
        if (!before && !after) {
          isolated++;
          svg.appendChild(svgEl('circle', { cx: x, cy: y, r: 3, class: 'point', style: 'fill:' + s.color, 'data-series': s.name }));
        }
      });
      if (path) svg.appendChild(svgEl('path', { d: path, fill: 'none', style: 'stroke:' + s.color + ';stroke-width:2', 'data-series': s.name }));
    });
    svg.setAttribute('data-points', String(points));
    svg.setAttribute('data-isolated', String(isolated));
    var newest = series[0].values[series[0].values.length - 1];
    svg.setAttribute('data-gap', newest === null || newest === undefined ? '1' : '0');
    return points;
  }
`
