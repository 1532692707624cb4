/*
 * psweb: behaviour shared by every page. Loaded with `defer` from base.html; the Content
 * Security Policy allows no inline script, so everything page-wide lives here.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // htmx requests carry the CSRF token. The CSRF cookie is HttpOnly, so the token comes
  // from the <meta name="csrf-token"> that base.html renders.
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (csrfMeta && csrfMeta.content) {
      event.detail.headers["X-CSRFToken"] = csrfMeta.content;
    }
  });

  // The menu on small screens: a disclosure button. The server draws it closed and psweb.css
  // hides it before the first paint, so this script only opens and closes it: nothing on the
  // page moves when the script arrives. Without JavaScript noscript.css shows the menu open.
  var toggle = document.querySelector("[data-menu-toggle]");
  var menu = document.querySelector("[data-menu]");
  if (toggle && menu) {
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    };
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // A form saved as you go (egenkontroll's answers) shows why the server refused it: htmx
  // leaves a 400 unswapped unless the form asks for it (data-swap-errors).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 400 && elt && elt.closest && elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A group of menu entries (<details data-nav-group>) closes when another opens, on a click
  // outside it and on Escape (back to its label), as a drop-down is expected to.
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-nav-group]"));
  var closeGroups = function (except) {
    groups.forEach(function (group) {
      if (group !== except) {
        group.open = false;
      }
    });
  };
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (group.open) {
        closeGroups(group);
      }
    });
  });
  if (groups.length) {
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest("[data-nav-group]")) {
        closeGroups(null);
      }
    });
    document.addEventListener("keydown", function (event) {
      var open = groups.filter(function (group) { return group.open; })[0];
      if (event.key === "Escape" && open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
  }

  // After a failed form submission, move focus to the error summary so that keyboard and
  // screen-reader users hear what to correct first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // Links in the error summary put the cursor in the field, not just scroll to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });
})();
