// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // Ask before submitting forms that do something hard to undo.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
