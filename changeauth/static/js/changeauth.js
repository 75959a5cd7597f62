// Small enhancements on every page. Everything still works without this script.
(function () {
  "use strict";

  // The Menu button on small screens: the navigation folds behind it. Without this script the button
  // stays hidden and the navigation is always shown.
  var toggle = document.querySelector(".site-nav__toggle");
  var navContent = toggle ? document.getElementById(toggle.getAttribute("aria-controls")) : null;
  if (toggle && navContent) {
    document.documentElement.classList.add("js-enabled");
    toggle.hidden = false;
    navContent.classList.add("site-nav__content--closed");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      navContent.classList.toggle("site-nav__content--closed", open);
    });
  }

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

  // Conditional reveals (GOV.UK's pattern): the block under a radio shows only while that radio is chosen.
  // Without this script every block is shown and the form works the same.
  Array.prototype.forEach.call(document.querySelectorAll("[data-module='conditional-radios']"), function (group) {
    var inputs = Array.prototype.slice.call(group.querySelectorAll("input[type=radio]"));
    function sync() {
      inputs.forEach(function (input) {
        var id = input.getAttribute("data-reveals");
        var block = id ? document.getElementById(id) : null;
        if (!block) { return; }
        input.setAttribute("aria-controls", id);
        block.classList.toggle("radios__conditional--hidden", !input.checked);
      });
    }
    inputs.forEach(function (input) { input.addEventListener("change", sync); });
    sync();
  });

  // Every table sits in a box of its own, so that one wider than the window scrolls there, words whole,
  // rather than taking the page sideways. Templates wrap every table themselves, so this holds without
  // script too (tests/unit/test_tables_sit_in_a_scroll_box.py); here only a table they missed is boxed.
  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    if (table.closest(".table-scroll")) { return; }
    var box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });

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

  // Gate decisions: choosing a meeting ticks its members who may attend (a member ticked by hand stays
  // ticked). Without this script the server takes the meeting's members when no one is ticked.
  Array.prototype.forEach.call(document.querySelectorAll("[data-module='meeting-attendees']"), function (block) {
    var members = JSON.parse(block.getAttribute("data-members") || "{}");
    var meeting = block.querySelector("select");
    if (!meeting) { return; }
    meeting.addEventListener("change", function () {
      (members[meeting.value] || []).forEach(function (id) {
        var box = block.querySelector("input[type=checkbox][value='" + id + "']");
        if (box) { box.checked = true; }
      });
    });
  });

  // The idle sign-out (WCAG 2.2.1): two minutes before it, a warning with one button that keeps the
  // session going by a request in the background, so the page and anything typed stay as they are.
  var idle = document.getElementById("idle-warning");
  if (idle && window.fetch) {
    var idleMs = parseInt(idle.getAttribute("data-idle-seconds"), 10) * 1000;
    var warnMs = parseInt(idle.getAttribute("data-warn-seconds"), 10) * 1000;
    var stay = idle.querySelector("form");
    var timer = null;
    var returnFocus = null;
    var arm = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () {
        returnFocus = document.activeElement;
        idle.hidden = false;
        document.getElementById("idle-stay").focus();
      }, Math.max(idleMs - warnMs, 0));
    };
    stay.addEventListener("submit", function (event) {
      event.preventDefault();
      window.fetch(stay.action, {
        method: "POST",
        body: new FormData(stay),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (!response.ok) { stay.submit(); return; }
        idle.hidden = true;
        if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
        arm();
      });
    });
    if (idleMs > warnMs) { arm(); }
  }
})();
