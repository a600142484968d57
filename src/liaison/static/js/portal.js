// The family portal's menu folds behind a "Menu" button on a phone (CSS decides when: the button
// shows only on narrow screens); without this file the menu simply stays open.
document.addEventListener("DOMContentLoaded", () => {
  const top = document.querySelector(".portal-top");
  const button = top && top.querySelector(".portal-menu-button");
  if (!button) return;
  top.classList.add("js-menu");
  button.addEventListener("click", () => {
    const open = top.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
});
