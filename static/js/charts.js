/* Charts of the indicator and statistics pages, drawn with the vendored ECharts from JSON data
   blocks (no inline script: the CSP allows only files from this site). Every chart has its
   figures in an HTML table next to it; the chart is an extra for sighted users. */
(function () {
  "use strict";

  var COLOURS = ["#1d5fa8", "#8a5a00", "#2e7d32", "#6a1b9a"];

  function draw(element) {
    var data = JSON.parse(document.getElementById(element.dataset.chart).textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var bar = data.kind === "bar";
    var series = data.series.map(function (s, i) {
      var line = {
        name: s.name,
        type: bar ? "bar" : "line",
        data: s.values,
        connectNulls: false,
        symbolSize: 7,
        color: COLOURS[i % COLOURS.length],
      };
      if (i === 0 && data.target) {
        line.markLine = {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dashed", color: "#555" },
          label: { formatter: "mål", position: "insideEndTop" },
          data: data.target.value !== undefined
            ? [{ yAxis: data.target.value }]
            : [{ yAxis: data.target.low }, { yAxis: data.target.high }],
        };
      }
      if (i === 0 && data.methodChanges && data.methodChanges.length) {
        line.markPoint = {
          symbol: "pin",
          symbolSize: 30,
          label: { formatter: "metod" },
          data: data.methodChanges.map(function (index) {
            return { coord: [index, s.values[index]], value: "metod" };
          }),
        };
      }
      return line;
    });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: bar ? 90 : 36 },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: bar ? { rotate: 35, interval: 0 } : {},
      },
      yAxis: {
        type: "value",
        name: data.unit || "",
        // Keep the target line in view even when every value lies below it.
        max: data.target ? function (extent) {
          var top = data.target.value !== undefined ? data.target.value : data.target.high;
          return Math.ceil(Math.max(extent.max, top) * 1.1);
        } : null,
      },
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
