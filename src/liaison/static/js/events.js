// Kiosk: keep the scan field focused so a USB scanner (keyboard input) always lands in it,
// and clear it after each check-in.
document.addEventListener("DOMContentLoaded", function () {
  var field = document.querySelector(".kiosk-scan input[name=token]");
  if (!field) return;
  field.focus();
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt && e.detail.elt.classList && e.detail.elt.classList.contains("kiosk-scan")) {
      field.value = "";
      field.focus();
    }
  });
});
