"""What apps add to a page: panels, actions and timeline entries, each with its access question.

Pages are keyed by name: "household", "guardian" and "student" today. An app registers from its
`household.py` (called in AppConfig.ready()), naming the policy predicate its piece needs:

    pages.add_action("household", _("Raise a concern"), "concerns:new", ask=can_raise, order=20)
    pages.add_panel("household", "concerns/_household_panel.html", ask=can_log_contact,
                    context=panel_context, order=20)
    pages.add_timeline("household", "contact", _("Contacts"), contact_entries,
                       ask=can_see_contacts)

`ask(user, household)` is asked before the provider is called, so a provider never sees a viewer
its question turned away and never checks again. On the guardian and student pages the question
is asked of the guardian's or student's household (a student without one gets nothing).
`page_opened` is the question of pieces that show whatever the page itself shows: the page's door
(the view's scope check and break-the-glass) has asked it already.

An action's `url_name` is reversed with the page object's pk; a panel's template gets the page's
context plus what `context(request, obj)` returns, as `panel`. A timeline provider is called
`provider(household, user, *, before, limit)` and returns (or yields) TimelineEntry objects, at
most `limit`, all older than `before` when it is given; the page merges the feeds. A provider that
returns `reads.later(queryset, to_entries)` has its query made with the other feeds' and the
panels' (core/reads.py); a panel's context may hold such lazy lists too.

A page is kept for its reader per household (core/kept.py: `kept.part(..., households=[pk],
tables=pages.kept_tables(page))`): a panel or feed names with `tables=` what it reads that belongs
to no household (a category, an event, the staff shown), so that a write of one makes the page
stale; rows that belong to a household need no naming. tests/people/test_kept_households.py fails
when a page reads a table neither kind covers.
"""

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse

from liaison.core import kept, policy, reads

Question = Callable[..., bool]

# What each page's questions are asked about: its household.
_HOUSEHOLD_OF: dict[str, Callable] = {
    "household": lambda household: household,
    "guardian": lambda guardian: guardian.household,
    "student": lambda student: student.household if student.household_id else None,
}


def page_opened(user, household) -> bool:
    """Whoever sees the page sees this: the page's door has already asked."""
    return True


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "message", "concern", "note", "contact", "referral", "event", "record"
    title: str
    summary: str = ""
    url: str = ""
    actor: str = ""
    badges: tuple[str, ...] = field(default_factory=tuple)
    language: str = ""


@dataclass(frozen=True)
class Action:
    label: str
    url_name: str
    order: int
    ask: Question


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: Callable | None
    ask: Question


@dataclass(frozen=True)
class Feed:
    kind: str
    provider: Callable[..., Iterable[TimelineEntry]]
    ask: Question


@dataclass
class _Page:
    actions: list[Action] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    feeds: list[Feed] = field(default_factory=list)
    kind_labels: dict = field(default_factory=dict)


_pages: dict[str, _Page] = {name: _Page() for name in _HOUSEHOLD_OF}


def _page(name: str) -> _Page:
    if name not in _pages:
        raise LookupError(f"no page named {name!r}; the pages are {', '.join(_pages)}")
    return _pages[name]


def add_action(page: str, label, url_name: str, *, ask: Question, order: int = 50) -> None:
    actions = _page(page).actions
    if all(a.url_name != url_name for a in actions):
        actions.append(Action(label, url_name, order, ask))


def kept_tables(page: str) -> str:
    """What the page's kept part names as `tables=`: the group of the tables its pieces read that
    belong to no household (a write of any of them, in the family's district, makes it stale)."""
    _page(page)
    return kept.group(f"page:{page}", ())


def add_tables(page: str, tables: Iterable[str]) -> None:
    """Tables ("app.Model") the page reads that belong to no household: its own, or a piece's
    (`tables=` of add_panel and add_timeline). Called at start-up, as kept.group is."""
    _page(page)
    kept.group(f"page:{page}", tables)


def add_panel(
    page: str,
    template: str,
    *,
    ask: Question,
    order: int = 50,
    context: Callable | None = None,
    tables: Iterable[str] = (),
) -> None:
    add_tables(page, tables)
    panels = _page(page).panels
    if all(p.template != template for p in panels):
        panels.append(Panel(template, order, context, ask))


def add_timeline(
    page: str, kind: str, label, provider: Callable, *, ask: Question, tables: Iterable[str] = ()
) -> None:
    add_tables(page, tables)
    target = _page(page)
    if all(f.provider is not provider for f in target.feeds):
        target.feeds.append(Feed(kind, provider, ask))
    target.kind_labels[kind] = label


def _allowed(page: str, user, obj, ask: Question) -> bool:
    household = _HOUSEHOLD_OF[page](obj)
    return household is not None and ask(user, household)


def actions(page: str, request, obj) -> list[dict]:
    """The buttons of the page the viewer may use, in order."""
    return [
        {"label": a.label, "url": reverse(a.url_name, args=[obj.pk])}
        for a in sorted(_page(page).actions, key=lambda a: a.order)
        if _allowed(page, request.user, obj, a.ask)
    ]


def panels(page: str, request, obj) -> list[dict]:
    """The panels of the page the viewer may see, each with its template and context."""
    return [
        {"template": p.template, "context": p.context(request, obj) if p.context else {}}
        for p in sorted(_page(page).panels, key=lambda p: p.order)
        if _allowed(page, request.user, obj, p.ask)
    ]


def timeline_kinds(page: str) -> dict:
    """Kind -> label of every feed of the page's timeline, in the order they were registered."""
    return _page(page).kind_labels


def timeline(
    page: str,
    obj,
    user,
    *,
    before: datetime | None = None,
    limit: int = 25,
    kinds: Iterable[str] | None = None,
) -> list[TimelineEntry]:
    """The page's timeline for this viewer: the feeds whose question they pass, merged newest
    first, at most `limit`, older than `before` when it is given."""
    wanted = set(kinds or [])
    found = []
    # Every feed asks about the same viewer and family: each answer is looked up once. Feeds that
    # return their entries as reads.later() lists are all read in one query (with what the page
    # asked for before, in the same reads.together() block), when the first is sorted.
    with policy.answers_kept(), reads.together():
        for feed in _page(page).feeds:
            if wanted and feed.kind not in wanted:
                continue
            if not _allowed(page, user, obj, feed.ask):
                continue
            found.append(feed.provider(_HOUSEHOLD_OF[page](obj), user, before=before, limit=limit))
        streams = [sorted(entries, key=lambda e: e.at, reverse=True) for entries in found]
    merged = heapq.merge(*streams, key=lambda e: e.at, reverse=True)
    out = []
    for entry in merged:
        out.append(entry)
        if len(out) >= limit:
            break
    return out
