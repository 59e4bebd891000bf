// Draws every Plotly figure on the page: embedded with json_script (data-figure="<script id>")
// or fetched as JSON (data-figure-url), so a slow chart never holds up the page itself.
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function plot(el, figure) {
    if (!figure || !figure.data) {
      el.dataset.rendered = "empty";
      return;
    }
    Plotly.newPlot(el, figure.data, figure.layout || {}, config).then(function () {
      el.dataset.rendered = "true";
    });
  }

  function draw() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (source) plot(el, JSON.parse(source.textContent));
    });
    // One request at a time: charts are the heaviest reads, and the page is usable meanwhile.
    var chain = Promise.resolve();
    document.querySelectorAll("[data-figure-url]").forEach(function (el) {
      chain = chain.then(function () {
        return fetch(el.dataset.figureUrl, { headers: { Accept: "application/json" } })
          .then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status);
            return response.json();
          })
          .then(function (figure) {
            plot(el, figure);
          })
          .catch(function () {
            el.textContent = "The chart could not be loaded.";
          });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
