"""htmx asks for a part of a page: one answer to "is this an htmx request" and "which template"."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent this request (it swaps a part of the page in place)."""
    return bool(request.headers.get("HX-Request"))


def partial(request: HttpRequest, template: str, name: str) -> str:
    """The template to render: the page's named partial for htmx ("page.html#name"), else the page."""
    return f"{template}#{name}" if is_htmx(request) else template
