// Draws every Plotly figure whose JSON is embedded with json_script (data-figure="<script id>").
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || typeof Plotly === "undefined") return;
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data || [], figure.layout || {}, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"],
      }).then(function () {
        el.dataset.rendered = "true";
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
