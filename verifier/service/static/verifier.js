// Poll the server-rendered report fragment until the wallet has answered. No build step.
(function () {
  "use strict";
  var box = document.getElementById("result");
  if (!box || box.getAttribute("data-poll") !== "yes") { return; }
  var id = box.getAttribute("data-transaction");
  var url = "/ui/transactions/" + encodeURIComponent(id) + "/report";
  var delay = 400;
  function tick() {
    fetch(url, { cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (r) {
        var st = r.headers.get("X-Transaction-Status");
        return r.text().then(function (html) { return { st: st, html: html, ok: r.ok }; });
      })
      .then(function (res) {
        if (!res.ok) { setTimeout(tick, 2000); return; }
        if (res.st === "pending" || res.st === "processing") { setTimeout(tick, delay); return; }
        box.innerHTML = res.html;
        var v = document.getElementById("verdict") || document.getElementById("status");
        if (v) { v.setAttribute("tabindex", "-1"); v.focus(); }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, delay);
})();
