// Check-in: narrow the attendee list as you type (the search form works without this file).
(function () {
  "use strict";
  var form = document.querySelector("[data-checkin-search]");
  var table = document.getElementById("checkin-table");
  if (!form || !table) {
    return;
  }
  var input = form.querySelector("input[type=search]");
  var shown = document.getElementById("checkin-shown");
  var none = table.querySelector(".checkin-none");
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-search]"));
  var timer = null;
  if (!rows.length) {
    return;
  }

  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) {
        count += 1;
      }
    });
    if (none) {
      none.hidden = count > 0 || rows.length === 0;
      if (count === 0 && rows.length > 0) {
        none.firstElementChild.textContent = "Nobody on this page matches \u201c" + input.value.trim() +
          "\u201d. Press Search to look through the whole list, or add them below as a walk-in.";
      }
    }
    if (shown) {
      shown.textContent = words.length ? count + " of " + rows.length + " shown." :
        rows.length + " on this list.";
    }
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(filter, 80);
  });
  // Whatever was typed before this file arrived (a slow phone connection) counts too.
  if (input.value) {
    filter();
  }
})();
