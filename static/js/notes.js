// Live preview for the note editor: the server renders and sanitises, the page only shows it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form || !window.fetch) { return; }
  var body = form.querySelector("textarea[name='body']");
  var target = document.getElementById("preview");
  var token = form.querySelector("input[name='csrf_token']");
  var timer = null;
  function refresh() {
    var data = new FormData();
    data.append("csrf_token", token ? token.value : "");
    data.append("body", body.value);
    fetch(form.getAttribute("data-preview-url"), {method: "POST", body: data, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (json) { if (json && typeof json.html === "string") { target.innerHTML = json.html; } })
      .catch(function () { /* the Preview button still works */ });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  if (body.value) { refresh(); }
})();
