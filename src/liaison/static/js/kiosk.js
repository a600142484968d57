// Check-in kiosk: keep the scan field focused so a USB scanner (keyboard input) always lands in
// it; after a check-in, show the welcome for a few seconds, then clear the screen for the next
// family; after some idle time (data-kiosk-idle seconds) clear whatever is left on it.
// Clearing reloads the kiosk afresh (?fresh=1), which also returns to the event's first language.
document.addEventListener("DOMContentLoaded", function () {
  var screen = document.querySelector(".kiosk-screen");
  if (!screen) return;
  var field = screen.querySelector(".kiosk-scan input[name=token]");
  var confirmMs = (parseInt(screen.dataset.kioskConfirm, 10) || 6) * 1000;
  var idleMs = (parseInt(screen.dataset.kioskIdle, 10) || 30) * 1000;
  var lastActivity = Date.now();
  var clearing = null;

  function clearScreen() {
    window.location.replace(screen.dataset.kioskFresh);
  }

  function clearSoon() {
    if (clearing) window.clearTimeout(clearing);
    clearing = window.setTimeout(clearScreen, confirmMs);
  }

  function somethingShown() {
    if (screen.dataset.kioskAway) return true; // a page away from check-in, such as leaving
    if (document.documentElement.lang !== screen.dataset.kioskLanguage) return true;
    if (document.querySelector(".flash, #kiosk-result > *, #kiosk-found > *, .error")) return true;
    return Array.prototype.some.call(screen.querySelectorAll("input"), function (input) {
      if (input.type === "hidden") return false;
      if (input.type === "number") return input.value !== input.defaultValue;
      return input.value !== "";
    });
  }

  ["keydown", "input", "pointerdown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, true);
  });
  window.setInterval(function () {
    if (Date.now() - lastActivity >= idleMs && somethingShown()) clearScreen();
  }, 1000);

  if (document.querySelector(".kiosk-ok, .flash")) clearSoon();
  if (field) field.focus();
  document.body.addEventListener("htmx:afterSwap", function () {
    lastActivity = Date.now();
    if (document.querySelector("#kiosk-result .kiosk-ok")) clearSoon();
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (field && e.detail.elt && e.detail.elt.classList && e.detail.elt.classList.contains("kiosk-scan")) {
      field.value = "";
      field.focus();
    }
  });
});
