/* Charts of the indicator and statistics pages, drawn with the vendored ECharts from JSON data
   blocks (no inline script: the CSP allows only files from this site). Every chart has its
   figures in an HTML table next to it and a Swedish text alternative written on the server
   (the container is role="img" with aria-describedby), so ECharts' own English description,
   which reads "NaN" for a missing period, is turned off. */
(function () {
  "use strict";

  var COLOURS = ["#1d5fa8", "#8a5a00", "#2e7d32", "#6a1b9a"];
  // Run-chart signals: a colour and a shape each, so that colour is never the only cue.
  var SIGNALS = {
    shift: { color: "#b35900", symbol: "diamond", size: 12, area: "rgba(179, 89, 0, 0.10)" },
    trend: { color: "#6a1b9a", symbol: "triangle", size: 12, area: "rgba(106, 27, 154, 0.10)" },
    astronomical: { color: "#a3160b", symbol: "rect", size: 13 },
  };

  function targetLine(data) {
    var words = data.words || {};
    return {
      silent: true,
      symbol: "none",
      lineStyle: { type: "dashed", color: "#555" },
      label: { formatter: words.target || "mål", position: "insideEndTop" },
      data: data.target.value !== undefined
        ? [{ yAxis: data.target.value }]
        : [{ yAxis: data.target.low }, { yAxis: data.target.high }],
    };
  }

  function plainSeries(data, bar) {
    return data.series.map(function (s, i) {
      var line = {
        name: s.name,
        type: bar ? "bar" : "line",
        data: s.values,
        connectNulls: false,
        symbolSize: 7,
        color: COLOURS[i % COLOURS.length],
      };
      if (i === 0 && data.target) {
        line.markLine = targetLine(data);
      }
      return line;
    });
  }

  // A run chart: the points joined in time order (across periods without data), the median,
  // the target, the signals marked by colour and shape with their stretches shaded, and method
  // changes as vertical lines behind the points.
  function runSeries(data) {
    var words = data.words || {};
    var signals = data.signals || {};
    var first = data.series[0];
    var main = {
      name: first.name,
      type: "line",
      z: 3,
      connectNulls: true,
      symbolSize: 8,
      color: COLOURS[0],
      data: first.values.map(function (value, index) {
        var rule = signals[String(index)];
        if (value === null || !rule) {
          return value;
        }
        var look = SIGNALS[rule];
        return {
          value: value,
          symbol: look.symbol,
          symbolSize: look.size,
          itemStyle: { color: look.color, borderColor: "#000", borderWidth: 1 },
        };
      }),
      markLine: {
        silent: true,
        symbol: "none",
        data: [],
      },
    };
    if (data.median !== null && data.median !== undefined) {
      main.markLine.data.push({
        yAxis: data.median,
        lineStyle: { type: "solid", color: "#333", width: 2 },
        label: { formatter: words.median || "median", position: "insideStartTop" },
      });
    }
    if (data.target) {
      targetLine(data).data.forEach(function (item) {
        item.lineStyle = { type: "dashed", color: "#555" };
        item.label = { formatter: words.target || "mål", position: "insideEndTop" };
        main.markLine.data.push(item);
      });
    }
    if (data.spans && data.spans.length) {
      main.markArea = {
        silent: true,
        data: data.spans.map(function (span) {
          return [
            { xAxis: span.from, itemStyle: { color: SIGNALS[span.rule].area }, name: span.name },
            { xAxis: span.to },
          ];
        }),
        label: { show: false },
      };
    }
    var out = [main];
    data.series.slice(1).forEach(function (s, i) {
      out.push({
        name: s.name,
        type: "line",
        z: 2,
        data: s.values,
        connectNulls: true,
        symbolSize: 6,
        lineStyle: { type: "dotted" },
        color: COLOURS[(i + 1) % COLOURS.length],
      });
    });
    if (data.methodChanges && data.methodChanges.length) {
      // Its own series, drawn first (lowest z): the lines never cover a point.
      out.unshift({
        name: words.method || "metod",
        type: "line",
        z: 1,
        data: [],
        markLine: {
          silent: true,
          symbol: "none",
          z: 1,
          lineStyle: { type: "dotted", color: "#777", width: 1.5 },
          label: { formatter: words.method || "metod", position: "end" },
          data: data.methodChanges.map(function (index) { return { xAxis: index }; }),
        },
      });
    }
    return out;
  }

  function draw(element) {
    var data = JSON.parse(document.getElementById(element.dataset.chart).textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var bar = data.kind === "bar";
    var run = data.kind === "run";
    var series = run ? runSeries(data) : plainSeries(data, bar);
    chart.setOption({
      animation: false,
      aria: { enabled: false },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: {
        top: 0,
        data: data.series.map(function (s) { return s.name; }),
      },
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
