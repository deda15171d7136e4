/* onceonly: small progressive enhancements; every page works without them.
   - Tables stack into labelled rows on a phone: each cell gets its column's heading.
   - A submitted form shows it is busy and cannot be sent twice. */
(function () {
  "use strict";
  // Each column's heading, from every header row (a group heading spanning columns
  // above its own: "Sharing requests · On time").
  function columnLabels(table) {
    var grid = [];
    table.querySelectorAll("thead tr").forEach(function (tr, r) {
      grid[r] = grid[r] || [];
      var c = 0;
      Array.prototype.forEach.call(tr.children, function (th) {
        while (grid[r][c]) { c += 1; }
        for (var i = 0; i < (th.rowSpan || 1); i += 1) {
          grid[r + i] = grid[r + i] || [];
          for (var j = 0; j < (th.colSpan || 1); j += 1) { grid[r + i][c + j] = th; }
        }
        c += th.colSpan || 1;
      });
    });
    var labels = [];
    grid.forEach(function (row) {
      row.forEach(function (th, c) {
        var text = th.textContent.trim();
        labels[c] = labels[c] || [];
        if (text && labels[c].indexOf(text) < 0) { labels[c].push(text); }
      });
    });
    return labels.map(function (parts) { return parts.join(" · "); });
  }
  function labelCells(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var heads = columnLabels(table);
      if (!heads.length) { return; }
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && heads[column]) {
            cell.setAttribute("data-label", heads[column]);
          }
          column += cell.colSpan || 1;
        });
      });
      table.classList.add("stackable");
    });
  }
  function busy(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    // After this tick, so the clicked button's name and value are still sent.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        b.disabled = true;
        b.classList.add("busy");
      });
    }, 0);
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSwap", function (e) { labelCells(e.target); });
  document.addEventListener("submit", busy);
  function ready(form) {
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button.busy").forEach(function (b) {
      b.disabled = false;
      b.classList.remove("busy");
    });
  }
  function readyAll() { document.querySelectorAll("form[aria-busy=true]").forEach(ready); }
  // Coming back with the browser's back button shows the page as it was: usable again;
  // so does a form whose answer was a download, after a while.
  window.addEventListener("pageshow", function (e) { if (e.persisted) { readyAll(); } });
  document.addEventListener("submit", function () { window.setTimeout(readyAll, 15000); });
})();
