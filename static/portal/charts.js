// Draws every Plotly figure on the page: embedded with json_script (data-figure="<script id>")
// or fetched as JSON (data-figure-url), so a slow chart never holds up the page itself.
// plotly.js (our partial bundle: scatter and bar traces) is loaded only when a chart comes near
// the viewport: the script tag names it in data-plotly-src.
(function () {
  "use strict";
  var script = document.currentScript;
  var plotlySrc = script && script.dataset.plotlySrc;
  var narrow = window.matchMedia("(max-width: 640px)");
  var loading = null;

  function loadPlotly() {
    if (typeof Plotly !== "undefined") return Promise.resolve();
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = plotlySrc;
        tag.onload = resolve;
        tag.onerror = function () { reject(new Error("plotly.js could not be loaded")); };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  function config() {
    // The mode bar only on hover-capable screens, where it floats clear of the title.
    return {
      responsive: true,
      displaylogo: false,
      displayModeBar: narrow.matches ? false : "hover",
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
    };
  }

  function fitted(layout) {
    // Phones: a smaller title font that wraps instead of running off the plot.
    if (!narrow.matches) return layout;
    var small = Object.assign({}, layout, { margin: Object.assign({}, layout.margin || {}, { l: 44, r: 8 }) });
    if (layout.title && layout.title.text) {
      small.title = Object.assign({}, layout.title, { font: { size: 13 } });
    }
    if (layout.height_phone) small.height = layout.height_phone;
    return small;
  }

  function plot(el, figure) {
    if (figure && figure.variants) return plotVariants(el, figure.variants);
    if (!figure || !figure.data) {
      el.dataset.rendered = "empty";
      el.textContent = el.dataset.emptyText || "Nothing to draw yet.";
      return Promise.resolve();
    }
    var layout = fitted(figure.layout || {});
    delete layout.height_phone;
    return Plotly.newPlot(el, figure.data, layout, config()).then(function () {
      el.dataset.rendered = "true";
      if (el.dataset.clickUrl) {
        // Points carry a URL in customdata[last]: a click (or tap) follows it.
        el.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          var data = point && point.customdata;
          var url = Array.isArray(data) ? data[data.length - 1] : null;
          if (typeof url === "string" && url.charAt(0) === "/") window.location.href = url;
        });
      }
    });
  }

  // A figure with variants (e.g. one per difficulty) follows the radio group that names it:
  // <div data-chart-switch="<chart id>"> with inputs whose values are the variants' names.
  function plotVariants(el, variants) {
    var group = document.querySelector('[data-chart-switch="' + el.id + '"]');
    function chosen() {
      var checked = group && group.querySelector("input:checked");
      return variants[checked ? checked.value : Object.keys(variants)[0]];
    }
    if (group) {
      group.addEventListener("change", function () {
        var figure = chosen();
        if (figure) Plotly.react(el, figure.data, fitted(figure.layout || {}), config());
      });
    }
    return plot(el, chosen());
  }

  function figureOf(el) {
    if (el.dataset.figure) {
      var source = document.getElementById(el.dataset.figure);
      return Promise.resolve(source ? JSON.parse(source.textContent) : null);
    }
    return fetch(el.dataset.figureUrl, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // One chart at a time: charts are the heaviest reads, and the page is usable meanwhile.
  var chain = Promise.resolve();
  function draw(el) {
    if (el.dataset.queued) return;
    el.dataset.queued = "true";
    chain = chain.then(function () {
      return Promise.all([loadPlotly(), figureOf(el)]).then(function (done) {
        return plot(el, done[1]);
      }).catch(function () {
        el.dataset.rendered = "error";
        el.textContent = "The chart could not be loaded.";
      });
    });
  }

  function start() {
    var charts = document.querySelectorAll("[data-figure], [data-figure-url]");
    if (!charts.length || !plotlySrc) return;
    if (!("IntersectionObserver" in window)) {
      charts.forEach(draw);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          draw(entry.target);
        }
      });
    }, { rootMargin: "400px 0px" });
    charts.forEach(function (el) { observer.observe(el); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
