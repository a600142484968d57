// Concerns: "c" jumps to the contact form from anywhere on the page (not while typing);
// Ctrl/Cmd+Enter saves the form from a text area.
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    var form = document.querySelector("[data-contact-form]");
    if (!form) return;
    if (event.key === "c" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(document.activeElement)) {
      var first = form.querySelector("select, input:not([type=hidden]), textarea");
      if (first) {
        event.preventDefault();
        first.focus();
        form.scrollIntoView({ block: "nearest" });
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form.contains(document.activeElement)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
