// Small page helpers; every page works without them.
(function () {
  "use strict";
  // An error summary takes focus, so a screen reader announces it and the keyboard starts
  // there; its links move focus to the field they name (GOV.UK pattern).
  function focusSummary(root) {
    var box = (root || document).querySelector("[data-error-summary], .error-summary");
    if (box) {
      if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "-1");
      box.focus();
      box.scrollIntoView({ block: "start" });
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusSummary(); });
  } else {
    focusSummary();
  }
  document.addEventListener("htmx:afterSwap", function (event) { focusSummary(event.target); });
})();
