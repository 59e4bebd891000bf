// Filters and sorts a table's rows in the page: <form data-table-filter="<table id>"> with a
// search box (name="q", matched against each row's data-search), selects named after a row's
// data-* attributes (an empty value matches all), and a sort select (name="sort": a key, "-" in
// front for descending, compared on each row's data-sort-<key>). The choices stay in the URL.
(function () {
  "use strict";

  function setup(form) {
    var table = document.getElementById(form.dataset.tableFilter);
    if (!table) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var count = document.getElementById(form.dataset.count || "");
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && params.has(field.name)) field.value = params.get(field.name);
    });

    function value(row, key) {
      var raw = row.getAttribute("data-sort-" + key);
      var number = parseFloat(raw);
      return raw === null || raw === "" ? null : isNaN(number) ? raw.toLowerCase() : number;
    }

    function apply() {
      var query = (form.elements.q ? form.elements.q.value : "").trim().toLowerCase();
      var filters = Array.prototype.filter.call(form.elements, function (field) {
        return field.tagName === "SELECT" && field.name !== "sort" && field.value;
      });
      var shown = 0;
      rows.forEach(function (row) {
        var match = (!query || (row.dataset.search || "").indexOf(query) !== -1) &&
          filters.every(function (field) { return row.getAttribute("data-" + field.name) === field.value; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      var sort = form.elements.sort ? form.elements.sort.value : "";
      if (sort) {
        var descending = sort.charAt(0) === "-";
        var key = descending ? sort.slice(1) : sort;
        rows.slice().sort(function (a, b) {
          var x = value(a, key), y = value(b, key);
          if (x === y) return 0;
          if (x === null) return 1;  // rows without a value go last either way
          if (y === null) return -1;
          return (x < y ? -1 : 1) * (descending ? -1 : 1);
        }).forEach(function (row) { body.appendChild(row); });
      }
      if (count) count.textContent = shown === rows.length ? rows.length + " shown" : shown + " of " + rows.length + " shown";
      var next = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.value && field.value !== field.dataset.default) next.set(field.name, field.value);
      });
      var search = next.toString();
      history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    form.classList.add("live");
    apply();
  }

  function start() {
    document.querySelectorAll("form[data-table-filter]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
