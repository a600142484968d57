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
            url = reverse(item.url_name)
            out.append(
                {
                    "label": item.label,
                    "url": url,
                    "current": current_path.startswith(url) and url != "/",
                }
            )
    return out
