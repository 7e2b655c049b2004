/* 省级主管部门: each school's 签约率 (solid) and 去向落实率 (dashed) at each week's end (Chart.js from static/vendor). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var palette = ["#1f5fa8", "#d9534f", "#5cb85c", "#f0ad4e", "#b37feb", "#6c757d", "#17a2b8", "#9ab8dc"];
  Chart.defaults.font.family = "system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
  Chart.defaults.animation = false;
  var datasets = [];
  data.series.forEach(function (s, i) {
    var colour = palette[i % palette.length];
    datasets.push({ label: s.school + " 签约率", data: s.rates, borderColor: colour, backgroundColor: colour, pointRadius: 1 });
    datasets.push({ label: s.school + " 去向落实率", data: s.placed_rates, borderColor: colour, backgroundColor: colour, borderDash: [5, 4], pointRadius: 1 });
  });
  new Chart(document.getElementById("chart-weeks"), {
    type: "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + " " + (c.raw === null ? "—" : c.raw + "%"); } } }
      }
    }
  });
})();
