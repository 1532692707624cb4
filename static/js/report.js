/*
 * psweb: the report form (templates/incidents/report.html).
 *
 * The form works without this script: it posts the whole report, and the unit search
 * posts the form back with the matching units. With the script:
 *   - the first thing typed creates a draft on the server (once: the page's client key
 *     makes a retried request find the same draft), then the draft is saved every few
 *     seconds and when a field is left, so a reload or a lost connection loses at most a few
 *     seconds. The address becomes the draft's own (/rapportera/<id>/), so a reload shows it.
 *   - "Saved hh:mm" (or why not) is announced in a polite live region.
 *   - the unit search updates the list in place.
 *   - the patient question that applies is shown: with care chosen, "no patient was involved"
 *     beside the choice (a patient is involved unless it is ticked); otherwise the box "a
 *     patient was involved" under "More details". Without the script both are shown and the
 *     server takes the one that fits the case type.
 * Everything is sent as POST bodies: a personnummer never goes into a URL.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-report-form]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }

  var INTERVAL_MS = 4000;
  var status = form.querySelector("[data-autosave-status]");
  var versionInput = form.querySelector("input[name=version]");
  var newUrl = form.getAttribute("data-autosave-new-url");
  var saveUrl = form.getAttribute("data-autosave-url") || "";
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  var dirty = false;
  var inflight = false;
  var again = false;
  var stopped = false;
  var pendingSubmitter = null;

  function say(text, problem) {
    if (!status) {
      return;
    }
    status.textContent = text;
    status.classList.toggle("autosave-status--problem", !!problem);
  }

  function payload() {
    var data = new FormData(form);
    // Files go with the real submission; the search text and the button are not report data.
    data.delete("attachments");
    data.delete("action");
    data.delete("unit_q");
    var involved = form.querySelector("input[name=patient_involved]");
    if (involved && !involved.checked) {
      data.set("patient_involved", "false");
    }
    var noPatient = form.querySelector("input[name=no_patient]");
    if (noPatient && !noPatient.checked) {
      data.set("no_patient", "false");
    }
    return data;
  }

  // --- The patient question that fits the case type ---------------------------------------
  function showPatientQuestion() {
    var chosen = form.querySelector("input[name=case_type]:checked");
    var care = !!chosen && chosen.value === "care";
    Array.prototype.forEach.call(form.querySelectorAll("[data-care-only]"), function (element) {
      element.hidden = !care;
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-not-care]"), function (element) {
      element.hidden = care;
    });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "case_type") {
      showPatientQuestion();
    } else if (target && target.name === "no_patient") {
      // One answer: switching to work environment afterwards keeps what she said.
      var involved = form.querySelector("input[name=patient_involved]");
      if (involved) {
        involved.checked = !target.checked;
      }
    }
  });
  showPatientQuestion();

  function saved(body) {
    saveUrl = body.autosave_url;
    if (versionInput) {
      versionInput.value = body.version;
    }
    form.setAttribute("action", body.edit_url);
    if (window.location.pathname !== body.edit_url && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", body.edit_url);
    }
    say(body.message, false);
  }

  function finished() {
    inflight = false;
    if (pendingSubmitter !== null) {
      var submitter = pendingSubmitter;
      pendingSubmitter = null;
      if (form.requestSubmit) {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit();
      }
      return;
    }
    if (again) {
      again = false;
      save();
    }
  }

  function save(options) {
    if (!dirty || stopped) {
      return;
    }
    if (inflight) {
      again = true;
      return;
    }
    dirty = false;
    inflight = true;
    var init = {
      method: "POST",
      body: payload(),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
    };
    if (options && options.keepalive) {
      init.keepalive = true;
    }
    fetch(saveUrl || newUrl, init)
      .then(function (response) {
        return response.json().then(
          function (body) {
            return { response: response, body: body };
          },
          function () {
            return { response: response, body: {} };
          }
        );
      })
      .then(function (result) {
        if (result.response.ok) {
          saved(result.body);
        } else if (result.response.status === 409 || result.response.status === 403) {
          // Sent or changed elsewhere: stop saving over it, and say so.
          stopped = true;
          say(result.body.error || form.getAttribute("data-msg-failed"), true);
        } else {
          dirty = true;
          say(result.body.error || form.getAttribute("data-msg-failed"), true);
        }
      })
      .catch(function () {
        dirty = true;
        say(form.getAttribute("data-msg-offline"), true);
      })
      .then(finished, finished);
  }

  function changed(event) {
    if (event.target && (event.target.name === "unit_q" || event.target.type === "file")) {
      return;
    }
    var first = !saveUrl && !dirty;
    dirty = true;
    if (first) {
      // The first input creates the draft at once.
      save();
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("focusout", function () {
    save();
  });
  window.setInterval(save, INTERVAL_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save({ keepalive: true });
    }
  });
  window.addEventListener("pagehide", function () {
    save({ keepalive: true });
  });

  // Sending: stop autosaving; if a save is on its way, send once it has come back, so the
  // report is sent with the version that save produced.
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter || null;
    if (submitter && submitter.value === "search_unit") {
      event.preventDefault();
      search();
      return;
    }
    stopped = true;
    if (inflight) {
      event.preventDefault();
      pendingSubmitter = submitter;
    }
  });

  // Enter in a one-line field must not send the report half-written (the browser would
  // press the first button, the search); in the search field it searches.
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target || target.tagName !== "INPUT") {
      return;
    }
    if (target.type === "submit" || target.type === "radio" || target.type === "checkbox") {
      return;
    }
    event.preventDefault();
    if (target.name === "unit_q") {
      search();
    }
  });

  // --- The unit search --------------------------------------------------------------------
  var unitSelect = form.querySelector("select[name=unit]");
  var query = form.querySelector("input[name=unit_q]");
  var result = form.querySelector("[data-unit-result]");
  var unitsUrl = form.getAttribute("data-units-url");
  var searchTimer = null;

  function search() {
    if (!unitSelect || !query) {
      return;
    }
    var url = unitsUrl + "?q=" + encodeURIComponent(query.value.trim()) + "&selected=" + encodeURIComponent(unitSelect.value);
    if (result) {
      result.textContent = form.getAttribute("data-msg-searching");
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var selected = unitSelect.value;
        unitSelect.innerHTML = html;
        unitSelect.value = selected;
        var found = Math.max(0, unitSelect.options.length - 1);
        if (result) {
          result.textContent = (result.getAttribute("data-template") || "{count}").replace("{count}", String(found));
        }
      })
      .catch(function () {
        if (result) {
          result.textContent = form.getAttribute("data-msg-search-failed");
        }
      });
  }

  if (query) {
    query.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      if (query.value.trim().length >= 2 || query.value.trim().length === 0) {
        searchTimer = window.setTimeout(search, 300);
      }
    });
  }
})();
