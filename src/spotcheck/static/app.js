// Small page behaviours; no inline scripts because the CSP forbids them.
document.addEventListener("DOMContentLoaded", function () {
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
