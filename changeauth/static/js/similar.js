// Suggests similar existing work while someone types an idea's title. The form works without it.
(function () {
  "use strict";
  var title = document.getElementById("title");
  var region = document.getElementById("similar-suggestions");
  if (!title || !region || !window.fetch) { return; }
  var timer = null;
  var last = "";
  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var text = title.value.trim();
      if (text === last) { return; }
      last = text;
      if (text.length < 3) { region.innerHTML = ""; return; }
      var url = region.getAttribute("data-source") + "?title=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          region.innerHTML = html;
          // The suggestions sit above the later fields: if they arrive after the person has moved on,
          // keep the field they are in on screen rather than pushing it away under them.
          var active = document.activeElement;
          if (active && active !== title && region.compareDocumentPosition(active) &
              Node.DOCUMENT_POSITION_FOLLOWING) {
            var box = active.getBoundingClientRect();
            if (box.top < 0 || box.bottom > window.innerHeight) {
              active.scrollIntoView({ block: "nearest" });
            }
          }
        })
        .catch(function () { /* suggestions are a help, not a requirement */ });
    }, 350);
  });
})();
