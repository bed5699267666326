/* A small editor for message bodies: a toolbar over a textarea that writes simple HTML
   (paragraphs, bold, italic, lists, links). Without JavaScript the textarea still works:
   blank lines make paragraphs. The server keeps only an allow list of tags. */
(function () {
  "use strict";
  function wrap(area, before, after) {
    var start = area.selectionStart, end = area.selectionEnd, text = area.value;
    var chosen = text.slice(start, end) || "text";
    area.value = text.slice(0, start) + before + chosen + after + text.slice(end);
    area.focus();
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
    area.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function list(area) {
    var start = area.selectionStart, end = area.selectionEnd, text = area.value;
    var lines = (text.slice(start, end) || "item").split(/\n/).filter(function (l) { return l.trim(); });
    var html = "<ul>\n" + lines.map(function (l) { return "  <li>" + l.trim() + "</li>"; }).join("\n") + "\n</ul>";
    area.value = text.slice(0, start) + html + text.slice(end);
    area.focus();
  }
  var actions = {
    bold: function (a) { wrap(a, "<strong>", "</strong>"); },
    italic: function (a) { wrap(a, "<em>", "</em>"); },
    paragraph: function (a) { wrap(a, "<p>", "</p>"); },
    list: list,
    link: function (a) {
      var url = window.prompt("Link address (https://...)");
      if (url && /^(https?:|mailto:)/i.test(url)) { wrap(a, '<a href="' + url.replace(/"/g, "%22") + '">', "</a>"); }
    }
  };
  document.querySelectorAll("textarea[data-editor]").forEach(function (area) {
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    [["bold", "Bold"], ["italic", "Italic"], ["paragraph", "Paragraph"], ["list", "Bulleted list"], ["link", "Link"]].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b[1];
      button.className = "secondary";
      button.addEventListener("click", function () { actions[b[0]](area); });
      bar.appendChild(button);
    });
    area.parentNode.insertBefore(bar, area);
  });
})();
