// Messaging: clear the message box once htmx has sent it (the thread itself is swapped by htmx).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form && form.classList && form.classList.contains("write-form") && event.detail.successful) {
    form.reset();
    // A hidden field's value is its default: reset() would keep the saved reply just sent.
    const reply = form.querySelector("input[name=saved_reply]");
    if (reply) reply.value = "";
  }
});

// A saved reply chosen in the composer fills the message box with its text (its placeholders
// already filled for this family, server-side) and names the reply, so an unchanged reply is sent
// with its approved translations.
document.addEventListener("change", (event) => {
  const pick = event.target;
  if (!pick.classList || !pick.classList.contains("saved-reply-pick")) return;
  const option = pick.selectedOptions[0];
  const body = document.getElementById(pick.dataset.body);
  const reply = document.getElementById(pick.dataset.reply);
  if (!option || !option.value || !body) return;
  body.value = option.dataset.text || "";
  if (reply) reply.value = option.value;
  body.focus();
});

// "Call": the phone (tel:) opens the dialler, and the page goes on to the contact log's form with
// the call filled in, so what was said is written down while it is fresh.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.call-link[data-then]");
  if (!link) return;
  window.setTimeout(() => {
    window.location.assign(link.dataset.then);
  }, 400);
});
