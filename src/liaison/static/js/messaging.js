// Messaging: clear the message box once htmx has sent it (the thread itself is swapped by htmx).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form && form.classList && form.classList.contains("write-form") && event.detail.successful) {
    form.reset();
  }
});
