/* Draw every [data-chart] (options built on the server, web/charts.py) with the vendored
   Apache ECharts, as SVG; redraw on resize. The table beside each chart has the figures. */
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      el.style.height = (el.getAttribute("data-height") || "300") + "px";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(el.getAttribute("data-chart")));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
