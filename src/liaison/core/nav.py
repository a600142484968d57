"""The staff navigation: each app registers its entries in AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int = 50
    allowed: Callable = lambda access: True


_items: list[NavItem] = []


def register(
    label, url_name: str, *, order: int = 50, allowed: Callable = lambda access: True
) -> None:
    if all(i.url_name != url_name for i in _items):
        _items.append(NavItem(label, url_name, order, allowed))


def items_for(access, current_path: str) -> list[dict]:
    out = []
    for item in sorted(_items, key=lambda i: i.order):
        if item.allowed(access):
            out.append({"label": item.label, "url": reverse(item.url_name), "current": False})
    # The current page is the entry with the longest URL that starts the path (/people/search/
    # is "Find a family", not also "Caseload" at /people/).
    matches = [
        entry
        for entry in out
        if current_path.startswith(entry["url"]) and (entry["url"] != "/" or current_path == "/")
    ]
    if matches:
        max(matches, key=lambda entry: len(entry["url"]))["current"] = True
    return out
