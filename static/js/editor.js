/* The message editor: Quill 2 (vendored, BSD-3-Clause) over the form's textarea.
   The textarea stays the form field: on every change it receives Quill's semantic HTML
   (<p>, <strong>, <em>, <ul>/<ol>, <a>), which the server's nh3 allow list keeps as it is.
   Without JavaScript the textarea works on its own: blank lines make paragraphs. */
(function () {
  "use strict";
  if (typeof window.Quill !== "function") { return; }
  var NAMES = { bold: "Bold", italic: "Italic", link: "Link", clean: "Remove formatting" };
  document.querySelectorAll("textarea[data-editor]").forEach(function (area) {
    var label = document.querySelector('label[for="' + area.id + '"]');
    var holder = document.createElement("div");
    holder.className = "rich-editor";
    area.parentNode.insertBefore(holder, area);
    var box = document.createElement("div");
    holder.appendChild(box);
    var quill = new window.Quill(box, {
      theme: "snow",
      formats: ["bold", "italic", "link", "list"],
      modules: {
        toolbar: [["bold", "italic"], [{ list: "ordered" }, { list: "bullet" }], ["link", "clean"]],
        /* Tab and Shift+Tab leave the editor, as in every other field (WCAG 2.1.2, no
           keyboard trap): Quill's own bindings would insert a tab or indent a list. */
        keyboard: {
          bindings: {
            "tab": false, "remove tab": false, "indent": false, "outdent": false,
            "indent code-block": false, "outdent code-block": false
          }
        }
      }
    });
    var value = area.value.trim();
    if (value) {
      if (/<[a-z][\s\S]*>/i.test(value)) {
        quill.clipboard.dangerouslyPasteHTML(value, "silent"); /* parsed inert by DOMParser */
      } else {
        quill.setText(value.replace(/\r\n/g, "\n"), "silent");
      }
    }
    /* Names and roles for assistive technology (Quill's buttons are icons). */
    var toolbar = holder.querySelector(".ql-toolbar");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    toolbar.querySelectorAll("button").forEach(function (button) {
      var kind = (button.className.match(/ql-(\w+)/) || [])[1];
      var name = kind === "list" ? (button.value === "ordered" ? "Numbered list" : "Bulleted list") : NAMES[kind];
      if (name) { button.setAttribute("aria-label", name); button.setAttribute("title", name); }
    });
    var editor = holder.querySelector(".ql-editor");
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) {
      label.id = label.id || area.id + "-label";
      editor.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { quill.focus(); });
    }
    if (area.getAttribute("aria-describedby")) {
      editor.setAttribute("aria-describedby", area.getAttribute("aria-describedby"));
    }
    function sync() {
      /* Quill 2's semantic HTML writes every space as &nbsp; (quill#4509): plain spaces
         let the email wrap on a phone. */
      area.value = quill.getLength() > 1 ? quill.getSemanticHTML().replace(/&nbsp;/g, " ") : "";
    }
    quill.on("text-change", sync);
    area.form.addEventListener("submit", sync);
    area.hidden = true;
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
    sync();
  });
})();
