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
