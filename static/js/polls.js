// Polls, as progressive enhancement: every poll works as a plain form and a plain page.
// With this file, answers are sent without a reload, results follow the room every few
// seconds (from the small JSON feed), and the presenter view can go full screen.
(function () {
  "use strict";

  function announce(text) {
    var region = document.querySelector("[data-poll-announcer]");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function asJson(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) throw new Error("not a poll answer");
    return response.json();
  }

  // Answer forms: post in the background and put the server's fresh rendering in place.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form[data-poll-form]")) return;
    var poll = form.closest("[data-poll]");
    if (!poll || !window.fetch || !window.FormData) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    poll.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json"},
    }).then(asJson).then(function (data) {
      var holder = document.createElement("div");
      holder.innerHTML = data.html.trim();
      var fresh = holder.firstElementChild;
      poll.replaceWith(fresh);
      watchAll(fresh);
      announce(data.message);
      (fresh.querySelector("[data-poll-focus]") || fresh).focus();
    }).catch(function () {
      // Anything unexpected (logged out, offline, a server error page): send it the plain way.
      poll.removeAttribute("aria-busy");
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  function setText(root, selector, text) {
    // Only real changes touch the page, so screen readers hear a live count change once.
    root.querySelectorAll(selector).forEach(function (node) {
      if (node.textContent !== text) node.textContent = text;
    });
  }

  function each(root, selector, fn) {
    root.querySelectorAll(selector).forEach(fn);
  }

  function show(root, data) {
    (data.rounds || []).forEach(function (round) {
      var inRound = '[data-round="' + round.round + '"]';
      setText(root, "[data-respondents]" + inRound, round.respondents_text);
      if (round.mean !== null) setText(root, "[data-mean]" + inRound, round.mean);
      round.options.forEach(function (o) {
        each(root, "[data-result]" + inRound + '[data-option="' + o.option + '"]', function (row) {
          setText(row, "[data-percent]", o.percent_text);
          setText(row, "[data-count]", o.count + " of " + round.respondents);
          each(row, "[data-bar]", function (bar) { bar.setAttribute("width", o.percent); });
        });
      });
    });
    (data.shift || []).forEach(function (s) {
      each(root, '[data-shift][data-option="' + s.option + '"]', function (node) {
        node.classList.remove("shift-up", "shift-down", "shift-same");
        node.classList.add(s.points > 0 ? "shift-up" : (s.points < 0 ? "shift-down" : "shift-same"));
        setText(node, "[data-shift-text]", s.text);
      });
    });
  }

  // Live results: poll the JSON feed while the poll is open; pause while the tab is hidden.
  function watch(root) {
    if (root.hasAttribute("data-live-bound")) return;
    root.setAttribute("data-live-bound", "");
    var url = root.getAttribute("data-poll-live");
    var interval = parseInt(root.getAttribute("data-interval"), 10) || 10000;
    var presenting = root.hasAttribute("data-present");
    function later(ms) { window.setTimeout(tick, ms); }
    function tick() {
      if (!root.isConnected) return;
      if (document.hidden) { later(interval); return; }
      fetch(url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { later(interval * 3); return; }
          var changed = data.status !== root.getAttribute("data-status") ||
            String(data.round) !== root.getAttribute("data-round");
          if (data.visible) show(root, data);
          if (changed && presenting) { window.location.reload(); return; }
          if (changed) {
            each(root, "[data-live-note]", function (note) { note.hidden = false; });
            return;
          }
          later(data.status === "open" ? interval : interval * 3);
        })
        .catch(function () { later(interval * 3); });
    }
    later(interval);
  }

  function watchAll(root) {
    if (root.matches && root.matches("[data-poll-live]")) watch(root);
    root.querySelectorAll("[data-poll-live]").forEach(watch);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-reload]");
    if (!link) return;
    event.preventDefault();
    window.location.reload();
  });

  // Full screen for the presenter view, where the browser allows it.
  function fullscreen(button) {
    if (!document.fullscreenEnabled) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    });
    document.addEventListener("fullscreenchange", function () {
      button.textContent = document.fullscreenElement ? "Leave full screen" : "Full screen";
    });
  }

  watchAll(document);
  document.querySelectorAll("[data-fullscreen]").forEach(fullscreen);
})();
