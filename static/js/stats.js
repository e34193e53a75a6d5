// Statistics page: draws the signature charts from the data the server embeds
// with json_script, so the page needs no inline script and no request of its own.
"use strict";

(function () {
  const source = document.getElementById("signature-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = { sms: "#0d6efd", ecp: "#198754" };

  const perDay = document.getElementById("signatures-per-day");
  if (perDay) {
    new Chart(perDay, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set) {
          return {
            label: set.label,
            data: set.data,
            backgroundColor: colours[set.method],
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, ticks: { autoSkip: true, maxRotation: 60 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  const perMethod = document.getElementById("signatures-per-method");
  if (perMethod) {
    new Chart(perMethod, {
      type: "doughnut",
      data: {
        labels: data.datasets.map(function (set) { return set.label; }),
        datasets: [{
          data: data.datasets.map(function (set) { return set.total; }),
          backgroundColor: data.datasets.map(function (set) {
            return colours[set.method];
          }),
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
      },
    });
  }
})();
