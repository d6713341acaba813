// Small page behaviours; no inline scripts because the CSP forbids them.
// Phones: every table.grid learns its column names. Each cell gets data-label from the header
// row (colspans counted), so that below 600 px the CSS shows a list as stacked cards with the
// column name before each value; a table of label rows (th then td) is marked .kv and stacks its
// labels above the values. Tables marked .wide keep their columns and scroll in their own box.
function labelTables(root) {
  var tables = Array.prototype.slice.call(root.querySelectorAll("table.grid"));
  if (root.matches && root.matches("table.grid")) { tables.push(root); }
  tables.forEach(function (table) {
    if (table.classList.contains("wide") || table.dataset.phone) { return; }
    table.dataset.phone = "1";
    var labels = null;
    var body = [];
    Array.prototype.forEach.call(table.rows, function (row) {
      var cells = Array.prototype.slice.call(row.cells);
      var header = cells.length > 0 && cells.every(function (c) { return c.tagName === "TH"; });
      if (header && body.length === 0) {
        labels = [];
        cells.forEach(function (c) {
          for (var i = 0; i < c.colSpan; i++) { labels.push(c.textContent.trim()); }
        });
        row.classList.add("phone-head");
      } else {
        body.push(row);
      }
    });
    if (labels) {
      body.forEach(function (row) {
        var at = 0;
        Array.prototype.forEach.call(row.cells, function (c) {
          if (!c.hasAttribute("data-label")) {
            c.setAttribute("data-label", c.colSpan > 1 && at === 0 ? "" : labels[at] || "");
          }
          at += c.colSpan;
        });
      });
      table.classList.add("cards");
    } else if (body.length && body.every(function (r) { return r.cells[0] && r.cells[0].tagName === "TH"; })) {
      table.classList.add("kv");
    }
  });
}
document.addEventListener("htmx:load", function (event) { labelTables(event.detail.elt); });
document.addEventListener("DOMContentLoaded", function () {
  labelTables(document);
  // Confirm dangerous actions: <form data-confirm="确定要…？">
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  // Calendar: clicking a day fills the edit form below.
  document.querySelectorAll("a.pick-day").forEach(function (link) {
    link.addEventListener("click", function () {
      var input = document.getElementById("day");
      if (input) { input.value = link.dataset.day; }
    });
  });
  // Task form: a general main item's ratio cap next to each stratum's ratio; a blank ratio (or one
  // filled here before) whose default is above the cap starts at the cap.
  var main = document.getElementById("main_item_id");
  var strata = document.getElementById("strata-settings");
  if (main && strata) {
    var startWithinCap = function () {
      var option = main.options[main.selectedIndex];
      var cap = option && option.dataset.cap ? option.dataset.cap : "";
      var selected = document.getElementById("general-cap-selected");
      if (selected) { selected.textContent = cap ? "所选主事项的比例上限：" + cap + "%。" : ""; }
      strata.querySelectorAll("input[data-default]").forEach(function (input) {
        var hint = input.parentNode.querySelector("[data-cap-hint]");
        if (hint) { hint.textContent = cap ? "上限 " + cap + "%" : ""; }
        var count = strata.querySelector('input[name="' + input.name.replace(/_ratio$/, "_count") + '"]');
        var auto = input.dataset.auto === "1";
        if ((input.value && !auto) || (count && count.value)) { return; }
        if (cap && parseFloat(input.dataset.default) > parseFloat(cap)) {
          input.value = cap;
          input.dataset.auto = "1";
        } else if (auto) {
          input.value = "";
          input.dataset.auto = "";
        }
      });
    };
    main.addEventListener("change", startWithinCap);
    if (strata.dataset.fill === "1") { startWithinCap(); }
  }
  // Warn a little before the idle timeout ends the session.
  var body = document.body;
  var idle = parseInt(body.dataset.idleMinutes || "0", 10);
  if (idle > 2) {
    window.setTimeout(function () {
      var bar = document.getElementById("idle-warning");
      if (bar) { bar.hidden = false; }
    }, (idle - 2) * 60 * 1000);
  }
});
