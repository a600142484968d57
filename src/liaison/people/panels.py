"""What other apps add to the household page: action buttons and panels, registered in AppConfig.ready().

    panels.register_action(label, url_name, order=50, allowed=lambda user, household: True)
    panels.register_panel("concerns/_household_panel.html", order=50,
                          context=lambda request, household: {...}, allowed=lambda user, household: True)

`url_name` is reversed with the household's pk. A panel's template gets the page context plus what
its `context` callable returns; `allowed` asks the access policy.
`register_guardian_panel(...)` does the same on the guardian page (callables get the guardian).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Action:
    label: str
    url_name: str
    order: int
    allowed: Callable


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: Callable | None
    allowed: Callable


_actions: list[Action] = []
_panels: list[Panel] = []
_guardian_panels: list[Panel] = []


def _always(user, household):
    return True


def register_action(label, url_name: str, *, order: int = 50, allowed: Callable = _always) -> None:
    if all(a.url_name != url_name for a in _actions):
        _actions.append(Action(label, url_name, order, allowed))


def register_panel(
    template: str, *, order: int = 50, context: Callable | None = None, allowed: Callable = _always
) -> None:
    if all(p.template != template for p in _panels):
        _panels.append(Panel(template, order, context, allowed))


def register_guardian_panel(
    template: str, *, order: int = 50, context: Callable | None = None, allowed: Callable = _always
) -> None:
    """A panel on the guardian page: allowed(user, guardian), context(request, guardian)."""
    if all(p.template != template for p in _guardian_panels):
        _guardian_panels.append(Panel(template, order, context, allowed))


def guardian_panels_for(request, guardian) -> list[dict]:
    return [
        {"template": p.template, "context": p.context(request, guardian) if p.context else {}}
        for p in sorted(_guardian_panels, key=lambda p: p.order)
        if p.allowed(request.user, guardian)
    ]


def actions_for(request, household) -> list[dict]:
    return [
        {"label": a.label, "url": reverse(a.url_name, args=[household.pk])}
        for a in sorted(_actions, key=lambda a: a.order)
        if a.allowed(request.user, household)
    ]


def panels_for(request, household) -> list[dict]:
    out = []
    for p in sorted(_panels, key=lambda p: p.order):
        if p.allowed(request.user, household):
            out.append(
                {
                    "template": p.template,
                    "context": p.context(request, household) if p.context else {},
                }
            )
    return out


# Panels on the student page (e.g. the disclosure record): same shape, with the student.
_student_panels: list[Panel] = []


def register_student_panel(
    template: str, *, order: int = 50, context: Callable | None = None, allowed: Callable = _always
) -> None:
    if all(p.template != template for p in _student_panels):
        _student_panels.append(Panel(template, order, context, allowed))


def student_panels_for(request, student) -> list[dict]:
    return [
        {"template": p.template, "context": p.context(request, student) if p.context else {}}
        for p in sorted(_student_panels, key=lambda p: p.order)
        if p.allowed(request.user, student)
    ]
