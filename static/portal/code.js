// Replaces a sample's plain (escaped) code with the server's highlighted version when opened.
(function () {
  "use strict";
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.open || !details.dataset || !details.dataset.codeUrl || details.dataset.loaded) return;
      details.dataset.loaded = "loading";
      fetch(details.dataset.codeUrl, { headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          var pre = details.querySelector("pre");
          // The fragment is Pygments output: every piece of the code is escaped by the server.
          if (pre) pre.innerHTML = html;
          details.dataset.loaded = "true";
        })
        .catch(function () {
          details.dataset.loaded = "";
        });
    },
    true
  );
})();
