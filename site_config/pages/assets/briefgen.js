/* briefgen: sortable tables (ACH matrix), no outside script.
   A table with class "bg-sortable" gets a button in every header cell that
   has data-sort; rows sort by each cell's data-value (numbers) or text. */
(function () {
  function value(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-value");
    if (v !== null && v !== "" && !isNaN(Number(v))) return Number(v);
    return (v !== null ? v : cell.textContent).trim().toLowerCase();
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = th.getAttribute("aria-sort") !== "descending";
    rows.sort(function (a, b) {
      var x = value(a, index), y = value(b, index);
      if (x === y) return 0;
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  function setup() {
    // the theme's search dialog has no accessible name
    var search = document.querySelector('.md-search[role="dialog"]');
    if (search && !search.getAttribute("aria-label")) search.setAttribute("aria-label", "Search");
    // the logo's title holds the site's name escaped twice (the theme escapes the name briefgen
    // escaped, for its HTML tooltips, which the site does not use); its label holds it as written
    document.querySelectorAll(".md-logo[title][aria-label]").forEach(function (logo) {
      logo.title = logo.getAttribute("aria-label");
    });
    document.querySelectorAll("table.bg-sortable").forEach(function (table) {
      if (table.getAttribute("data-bg-ready")) return;
      table.setAttribute("data-bg-ready", "1");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        if (!th.hasAttribute("data-sort")) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "bg-sort";
        button.textContent = th.textContent;
        button.title = "Sort by " + th.textContent.trim();
        th.textContent = "";
        th.appendChild(button);
        button.addEventListener("click", function () { sortBy(table, index, th); });
      });
    });
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setup);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
