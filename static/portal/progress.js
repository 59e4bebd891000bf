// Polls a submission's status endpoint and updates the progress panel; reloads when it finishes.
(function () {
  "use strict";
  var panel = document.getElementById("progress");
  if (!panel || panel.dataset.finished === "true") return;
  var url = panel.dataset.statusUrl;
  var statusEl = panel.querySelector("[data-role=status]");
  var countEl = panel.querySelector("[data-role=count]");
  var bar = panel.querySelector("[data-role=bar]");
  var delay = 1500;

  function update(data) {
    var done = data.progress.done, total = data.progress.total;
    countEl.textContent = done + "/" + total;
    bar.max = Math.max(total, 1);
    bar.value = done;
    bar.textContent = done + "/" + total;
    statusEl.textContent = data.status.charAt(0).toUpperCase() + data.status.slice(1);
    statusEl.className = "badge status-" + data.status;
    if (data.status !== panel.dataset.status && data.finished) {
      window.location.reload();
      return false;
    }
    panel.dataset.status = data.status;
    return !data.finished;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (update(data)) window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
