// Body map: a tap or click on the front or back outline fills the next empty mark row
// (front/back, across, down) and moves focus to its note. Without JavaScript the rows are
// typed in by hand; with it, the dots are drawn where the marks are.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-mark-row]"));
  if (!rows.length) { return; }
  function fields(row) { return row.querySelectorAll("select, input"); }
  function redraw() {
    document.querySelectorAll("[data-bodymap] svg .mark").forEach(function (d) { d.remove(); });
    rows.forEach(function (row, i) {
      var f = fields(row);
      var view = f[0].value, x = parseFloat(f[1].value), y = parseFloat(f[2].value);
      if (!view || isNaN(x) || isNaN(y)) { return; }
      var svg = document.querySelector('[data-bodymap] svg[data-view="' + view + '"]');
      if (!svg) { return; }
      var dot = document.createElementNS(NS, "circle");
      dot.setAttribute("class", "mark"); dot.setAttribute("r", "5");
      dot.setAttribute("cx", String(x * 100)); dot.setAttribute("cy", String(y * 200));
      dot.setAttribute("fill", "#b10e1e");
      var title = document.createElementNS(NS, "title");
      title.textContent = "Mark " + String(i + 1);
      dot.appendChild(title);
      svg.appendChild(dot);
    });
  }
  document.querySelectorAll("[data-bodymap] svg").forEach(function (svg) {
    svg.style.cursor = "crosshair";
    svg.addEventListener("click", function (event) {
      var box = svg.getBoundingClientRect();
      var x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      var row = rows.find(function (r) { return !fields(r)[0].value; });
      if (!row) { return; }
      var f = fields(row);
      f[0].value = svg.getAttribute("data-view");
      f[1].value = x.toFixed(3); f[2].value = y.toFixed(3);
      redraw();
      f[3].focus();
    });
  });
  rows.forEach(function (row) { row.addEventListener("change", redraw); });
  redraw();
})();
