// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const box = document.createElement("p");
  box.className = "flash-error";
  box.setAttribute("role", "alert");
  // The words come translated from the page (data-text-* on <body>); English if a page lacks them.
  const text = document.body.dataset;
  box.textContent =
    status === 404
      ? text.textNotFound || "Not found."
      : text.textError || "Something went wrong; please try again.";
  (event.detail.target || document.body).prepend(box);
});
