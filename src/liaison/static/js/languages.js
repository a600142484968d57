// Language pickers (core/languages.py): a box of several languages ("Spanish, Somali, …") keeps
// suggesting after each comma, by offering each name after what is already typed. Without this
// file the box still takes names typed by hand.
document.addEventListener("input", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.dataset.languageMultiple !== "true") return;
  const list = box.list;
  if (!list) return;
  if (!list.dataset.names) {
    list.dataset.names = JSON.stringify(Array.from(list.options, (o) => o.value));
  }
  const cut = Math.max(box.value.lastIndexOf(","), box.value.lastIndexOf(";"));
  const before = cut >= 0 ? box.value.slice(0, cut + 1).trimEnd() + " " : "";
  const names = JSON.parse(list.dataset.names);
  list.replaceChildren(
    ...names.map((name) => {
      const option = document.createElement("option");
      option.value = before + name;
      return option;
    }),
  );
});
