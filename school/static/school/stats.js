/* 签约统计 charts (Chart.js from static/vendor): stacked status counts, 签约率 and 去向落实率 per 院系 (or 专业). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var palette = ["#9ab8dc", "#f0ad4e", "#f7d26a", "#d9534f", "#1f5fa8", "#b37feb", "#6c757d", "#ced4da"];
  Chart.defaults.font.family = "system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
  Chart.defaults.animation = false;
  new Chart(document.getElementById("chart-status"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.statuses.map(function (label, i) {
        return { label: label, data: data.counts[i], backgroundColor: palette[i % palette.length] };
      })
    },
    options: {
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
    }
  });
  new Chart(document.getElementById("chart-rate"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "签约率（%）", data: data.rates, backgroundColor: "#1f5fa8" },
        { label: "去向落实率（%）", data: data.placed_rates, backgroundColor: "#5cb85c" }
      ]
    },
    options: {
      maintainAspectRatio: false,
      indexAxis: "y",
      scales: { x: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label.replace("（%）", "") + " " + (c.raw === null ? "—" : c.raw + "%") + "（生源 " + data.students[c.dataIndex] + " 人）"; } } }
      }
    }
  });
})();
