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
  box.textContent = status === 404 ? "Not found." : "Something went wrong; please try again.";
  (event.detail.target || document.body).prepend(box);
});
