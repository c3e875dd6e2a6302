// Purpose Pulse: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // --- Purpose editor: never lose typed text ---------------------------------
  function draftFor(form) {
    try { return JSON.parse(localStorage.getItem(form.dataset.draftKey) || "null"); }
    catch (e) { return null; }
  }

  function fieldValues(form) {
    var values = {};
    form.querySelectorAll("textarea").forEach(function (t) { values[t.name] = t.value; });
    return values;
  }

  function showRestoredNote(form, note, draft) {
    if (!note) return;
    note.hidden = false;
    note.textContent = "We restored text you had not saved (" + new Date(draft.at).toLocaleString() + "). ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = "Discard it";
    discard.addEventListener("click", function () {
      localStorage.removeItem(form.dataset.draftKey);
      form.dataset.clean = "1";
      window.location.reload();
    });
    note.appendChild(discard);
  }

  function setupEditor(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var note = form.querySelector("[data-draft-note]");
    // A form the server filled from a draft (data-restored) holds text saved nowhere else:
    // every state of it is worth keeping, so there is no clean state to compare with.
    var restored = form.hasAttribute("data-restored");
    var initial = restored ? null : JSON.stringify(fieldValues(form));
    var draft = draftFor(form);
    if (restored && draft) {
      // From now on the draft is based on the version shown beside it.
      draft.base = form.dataset.draftBase;
      localStorage.setItem(form.dataset.draftKey, JSON.stringify(draft));
      showRestoredNote(form, note, draft);
    } else if (draft && JSON.stringify(draft.values) !== initial) {
      if (draft.base !== undefined && String(draft.base) !== form.dataset.draftBase && window.htmx) {
        // A colleague saved a newer version since this draft was begun. The server puts the
        // draft back with their version beside it, as it does when a save comes second.
        form.dataset.restoring = "1";
        window.htmx.ajax("POST", form.getAttribute("action"), {
          source: form,
          target: "#purpose-card",
          swap: "outerHTML",
          values: Object.assign({}, draft.values, { base_version: String(draft.base), restore_draft: "1" })
        });
        return;
      }
      Object.keys(draft.values).forEach(function (name) {
        var field = form.querySelector('textarea[name="' + name + '"]');
        if (field) field.value = draft.values[name];
      });
      showRestoredNote(form, note, draft);
    }
    function saveDraft() {
      var values = fieldValues(form);
      if (initial !== null && JSON.stringify(values) === initial) { localStorage.removeItem(form.dataset.draftKey); return; }
      localStorage.setItem(form.dataset.draftKey, JSON.stringify({
        values: values,
        at: Date.now(),
        // The version the text was written against: a later visit compares it with the one in force.
        base: form.dataset.draftBase
      }));
    }
    form.addEventListener("input", saveDraft);
    // Suggested key ideas arrive by swap, not by typing: they are unsaved text too.
    form.addEventListener("htmx:load", saveDraft);
    form.querySelectorAll("[data-cancel]").forEach(function (link) {
      link.addEventListener("click", function () { localStorage.removeItem(form.dataset.draftKey); form.dataset.clean = "1"; });
    });
    form.addEventListener("submit", function () { form.dataset.submitting = "1"; });
    form.addEventListener("htmx:afterRequest", function (event) {
      form.dataset.submitting = "";
      // Only the form's own save clears the draft: a button's request (suggest ideas) or the
      // draft being put back saves nothing.
      if (event.detail.elt !== form || form.dataset.restoring) return;
      if (event.detail.successful && event.detail.xhr.status === 200) localStorage.removeItem(form.dataset.draftKey);
    });
  }

  function dirtyEditors() {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-draft-key]"), function (form) {
      return !form.dataset.submitting && !form.dataset.clean && draftFor(form);
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (dirtyEditors().length) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- Character counters -----------------------------------------------------
  // data-max (answers) counts without cutting anything: a long paste stays whole and the counter
  // says how much to shorten; the server refuses it with the same limit. maxlength (the purpose
  // editor) is the browser's own hard limit.
  function setupCounter(area) {
    if (area.dataset.counterReady) return;
    area.dataset.counterReady = "1";
    var max = parseInt(area.dataset.max || area.getAttribute("maxlength"), 10);
    var out = document.createElement("p");
    out.className = "counter";
    out.id = (area.id || area.name) + "-counter";
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    function update() {
      var length = area.value.length;
      var over = length - max;
      out.textContent = length.toLocaleString("en") + " / " + max.toLocaleString("en") + " characters" +
        (over > 0 ? ": " + over.toLocaleString("en") + " too many, please shorten it before sending" : "");
      out.classList.toggle("over", over > 0);
    }
    area.addEventListener("input", update);
    update();
  }

  // --- Org chart: expand and collapse in place ----------------------------------
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-tree]");
    if (!toggle) return;
    var item = toggle.closest("[role=treeitem]");
    var group = document.getElementById(toggle.getAttribute("aria-controls"));
    if (group && group.children.length) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var open = item.getAttribute("aria-expanded") === "true";
      item.setAttribute("aria-expanded", open ? "false" : "true");
      group.hidden = open;
      toggle.firstChild.textContent = (open ? "▸ " : "▾ ") + toggle.firstChild.textContent.slice(2);
    } else if (item) {
      item.setAttribute("aria-expanded", "true");
      toggle.firstChild.textContent = "▾ " + toggle.firstChild.textContent.slice(2);
    }
  }, true);

  function init(root) {
    root.querySelectorAll("form[data-draft-key]").forEach(setupEditor);
    root.querySelectorAll("textarea[data-counter]").forEach(setupCounter);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();

// After a swap that replaces what the reader was on (an answer sent), move focus to the new
// content's heading, so keyboard and screen-reader users land on the confirmation, not the body.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    // outerHTML swaps replace the target, so look for a heading that arrived and was not focused yet.
    var heading = document.querySelector("[data-focus-after-swap]:not([data-focused])");
    if (!heading) return;
    heading.setAttribute("data-focused", "");
    heading.focus();
  });
})();

// --- Pulse schedule: show the day field that fits the cadence ----------------------------
// Without this file both day fields show, each with a hint saying when it applies.
(function () {
  "use strict";

  function syncCadence(form) {
    var cadence = form.querySelector('select[name="cadence"]');
    if (!cadence) return;
    form.querySelectorAll("[data-cadence-for]").forEach(function (field) {
      field.hidden = field.dataset.cadenceFor.split(" ").indexOf(cadence.value) === -1;
    });
  }

  function setup(root) {
    root.querySelectorAll("form[data-schedule-form]").forEach(function (form) {
      if (form.dataset.cadenceReady) return;
      form.dataset.cadenceReady = "1";
      form.addEventListener("change", function (event) {
        if (event.target.name === "cadence") syncCadence(form);
      });
      syncCadence(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:load", function (event) { setup(event.detail.elt); });
})();

// Alignment dashboard: a second click on an expanded row folds its units away again.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-expand-once]");
    if (!toggle) return;
    var row = toggle.closest("tr");
    if (toggle.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      event.stopImmediatePropagation();
      var depth = parseInt(row.className.replace(/.*depth-(\d+).*/, "$1"), 10);
      var next = row.nextElementSibling;
      while (next && parseInt(next.className.replace(/.*depth-(\d+).*/, "$1"), 10) > depth) {
        var gone = next;
        next = next.nextElementSibling;
        gone.remove();
      }
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "▸";
    } else {
      toggle.setAttribute("aria-expanded", "true");
      toggle.textContent = "▾";
    }
  }, true);
})();
