// The live appraisal preview on an option's page: while the person types figures, the page asks the
// server for the option's appraisal (the same domain calculation every report uses) and shows it.
// Nothing is worked out here, and without this script the "Preview the appraisal" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-module='appraisal-preview']");
  var region = document.getElementById("appraisal-preview");
  if (!form || !region || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-preview-url");
  var timer = null;
  var latest = 0;
  function refresh() {
    var asked = ++latest;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // An older answer arriving after a newer one must not replace it.
        if (html !== null && asked === latest) { region.innerHTML = html; }
      })
      .catch(function () { /* the preview is a help; the button still works */ });
  }
  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
