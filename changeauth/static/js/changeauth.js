// Small enhancements on every page. Everything still works without this script.
(function () {
  "use strict";

  // When a form comes back with errors: move focus to the error summary, so that screen readers read it
  // first, and make each of its links move focus to the field it names (with the field's label or legend
  // in view), not only scroll to it.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) { return; }
      var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!target) { return; }
      var fields = "input:not([type=hidden]), select, textarea";
      var field = target.matches(fields) ? target : target.querySelector(fields);
      if (!field) { return; }
      event.preventDefault();
      var details = field.closest("details");
      if (details) { details.open = true; }
      var fieldset = field.closest("fieldset");
      var legend = fieldset ? fieldset.querySelector("legend") : null;
      var label = field.labels && field.labels.length ? field.labels[0] : null;
      (legend || label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  // A table wider than the window scrolls inside its own box. While it does, the box is a named region
  // that takes keyboard focus, so it can be scrolled with the arrow keys; a wide window gets no extra stop.
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".table-scroll"));
  function markScrollingBoxes() {
    boxes.forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption ? caption.textContent.trim() : "Table") + " (scrolls sideways)");
      } else if (!scrolls && box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  if (boxes.length) {
    markScrollingBoxes();
    window.addEventListener("resize", markScrollingBoxes);
  }
})();
