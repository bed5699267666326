/* Emailed links carry their token after "#": browsers never send that part to the
   server, so it reaches no log. This reads it, clears it from the address bar and
   history, and puts it in the form, which sends it in a POST body. */
(function () {
  "use strict";
  var raw = (window.location.hash || "").replace(/^#/, "");
  if (!raw) { return; }
  var token;
  try { token = decodeURIComponent(raw); } catch (e) { token = raw; }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  var inputs = document.querySelectorAll("input[data-link-token]");
  Array.prototype.forEach.call(inputs, function (input) {
    input.value = token;
    var wrap = input.closest("[data-link-token-field]");
    if (wrap) { wrap.hidden = true; }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-without-token]"), function (el) {
    el.hidden = true;
  });
  var auto = document.querySelector("form[data-link-autosubmit]");
  if (auto && inputs.length) { auto.submit(); }
})();
