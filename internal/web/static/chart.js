// Khiên — charts. Each [data-chart] element carries ECharts options built on
// the server; this file loads the vendored ECharts only when a page has one,
// draws every chart, and keeps the table beside it for screen readers
// (visually hidden once the chart is drawn).
(function () {
  'use strict';
  var boxes = document.querySelectorAll('[data-chart]');
  if (!boxes.length) {
    return;
  }
  function draw() {
    var charts = [];
    boxes.forEach(function (el) {
      var opt;
      try {
        opt = JSON.parse(el.getAttribute('data-chart'));
      } catch (e) {
        return;
      }
      var unit = opt.unit || '';
      delete opt.unit;
      if (unit) {
        opt.tooltip.valueFormatter = function (v) { return v + unit; };
      }
      var c = window.echarts.init(el, null, { renderer: 'svg' });
      c.setOption(opt);
      charts.push(c);
      var fig = el.closest('figure');
      if (fig) {
        fig.classList.add('drawn');
      }
    });
    window.addEventListener('resize', function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (window.echarts) {
    draw();
    return;
  }
  var s = document.createElement('script');
  s.src = boxes[0].getAttribute('data-echarts');
  s.onload = draw;
  document.head.appendChild(s);
})();
