/*
 * The incident's case page: its handling steps (incidents/views/case.py, STEPS). Each step is
 * a link that, without JavaScript, opens the page again with that step's form (?steg=). With
 * it, the link is a disclosure: the first time it is opened, htmx fetches the step's form
 * (/avvikelser/<pk>/steg/<step>/) and swaps it in below the link; focus moves to the form's
 * first field and aria-expanded says whether it is open. Closing only hides the form, so what
 * was typed stays. If the form cannot be fetched (refused, or the network), the link is
 * followed: the page then says why.
 */
(function () {
  "use strict";

  function setOpen(toggle, box, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    box.hidden = !open;
    var marker = toggle.querySelector("[data-step-marker]");
    if (marker) {
      marker.textContent = open ? "\u25BE" : "\u25B8";
    }
  }

  function focusForm(box) {
    var field = box.querySelector(
      "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button"
    );
    if (field) {
      field.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-step-toggle]");
    // A new tab or window (ctrl, shift, middle button) follows the link as it is.
    if (!toggle || !window.htmx || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    var box = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!box) {
      return;
    }
    event.preventDefault();
    if (toggle.getAttribute("aria-expanded") === "true") {
      setOpen(toggle, box, false);
      return;
    }
    if (box.querySelector("form")) {
      setOpen(toggle, box, true);
      focusForm(box);
      return;
    }
    if (toggle.getAttribute("aria-busy") === "true") {
      return;
    }
    toggle.setAttribute("aria-busy", "true");
    var follow = function () {
      window.location.assign(toggle.href);
    };
    window.htmx
      .ajax("GET", toggle.getAttribute("data-step-url"), { source: toggle, target: box, swap: "innerHTML" })
      .then(function () {
        toggle.removeAttribute("aria-busy");
        if (box.querySelector("form")) {
          setOpen(toggle, box, true);
          focusForm(box);
        } else {
          follow();
        }
      }, follow);
  });
})();
