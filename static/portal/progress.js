// Polls a submission's status endpoint: updates progress, the estimate and judged result rows
// in place; reloads once when the evaluation finishes (to show the scores and charts).
(function () {
  "use strict";
  var panel = document.getElementById("progress");
  if (!panel || panel.dataset.finished === "true") return;
  var url = panel.dataset.statusUrl;
  var since = panel.dataset.since;
  var statusEl = panel.querySelector("[data-role=status]");
  var countEl = panel.querySelector("[data-role=count]");
  var etaEl = panel.querySelector("[data-role=eta]");
  var calibrationEl = panel.querySelector("[data-role=calibration]");
  var bar = panel.querySelector("[data-role=bar]");
  var delay = 1500;

  function ordinal(n) {
    var tens = n % 100, ones = n % 10;
    var suffix = tens >= 10 && tens <= 20 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th";
    return n + suffix;
  }

  function setCell(row, name, text) {
    var cell = row.querySelector("[data-cell=" + name + "]");
    if (cell) cell.textContent = text;
    return cell;
  }

  function updateRow(result) {
    var row = document.getElementById("result-" + result.id);
    if (!row) return; // on another page of the table
    var verdict = setCell(row, "verdict", result.verdict_label);
    if (verdict) verdict.className = result.verdict_class;
    setCell(row, "runtime", result.runtime);
    setCell(row, "percentile", result.percentile);
    setCell(row, "beyond", result.beyond);
    var diagnostic = row.querySelector("[data-cell=diagnostic]");
    if (diagnostic) {
      diagnostic.textContent = "";
      if (result.diagnostic) {
        var details = document.createElement("details");
        var summary = document.createElement("summary");
        var pre = document.createElement("pre");
        summary.textContent = result.diagnostic.length > 60 ? result.diagnostic.slice(0, 59) + "…" : result.diagnostic;
        pre.textContent = result.diagnostic;
        details.appendChild(summary);
        details.appendChild(pre);
        diagnostic.appendChild(details);
      }
    }
    row.classList.add("just-judged");
  }

  function update(data) {
    var done = data.progress.done, total = data.progress.total;
    countEl.textContent = done + "/" + total;
    bar.max = Math.max(total, 1);
    bar.value = done;
    bar.textContent = done + "/" + total;
    statusEl.textContent = data.status.charAt(0).toUpperCase() + data.status.slice(1);
    statusEl.className = "badge status-" + data.status;
    if (calibrationEl) {
      var c = data.calibration;
      calibrationEl.hidden = !c;
      calibrationEl.textContent = c
        ? "Calibrating this host: " + c.calibrated + " of " + c.total + " tasks; this entry's tasks go first (" +
          c.own_calibrated + " of " + c.own_total + " ready)."
        : "";
    }
    if (etaEl) {
      var text = "";
      if (data.status === "queued" && data.queue_position) {
        text = " · " + ordinal(data.queue_position) + " in line" + (data.eta ? ", about " + data.eta + " until done" : "");
      } else if (data.eta) {
        text = " · about " + data.eta + " left";
      }
      etaEl.textContent = text;
    }
    (data.results || []).forEach(updateRow);
    if (data.now) since = data.now;
    if (data.status !== panel.dataset.status && data.finished) {
      window.location.reload();
      return false;
    }
    panel.dataset.status = data.status;
    return !data.finished;
  }

  function poll() {
    var query = since ? "?since=" + encodeURIComponent(since) : "";
    fetch(url + query, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        delay = 1500;
        if (update(data)) window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
