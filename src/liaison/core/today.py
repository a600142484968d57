"""Today: one ordered queue of what needs a member of staff, built from what each app registers.

An app adds a source from its `today.py` (called in AppConfig.ready()), so that the page's owner
never imports the apps above it:

    today.add_source("messages", awaiting_reply, ask=lambda access: access.works_with_families)
    today.add_count("awaiting", _("awaiting reply"), count_awaiting, url_name="messaging:inbox",
                    topics=lambda access: [f"inbox:{d}" for d in access.district_ids])

A provider is called `provider(user, *, today, limit)` and returns at most `limit` Items, each
for a family the user may see (the provider filters with the policy's scopes); it runs a fixed
number of queries whatever its length. The queue puts urgent items first, then what needs doing
(oldest first: the longest wait, the earliest due date), then what is only worth knowing.
A count is `counter(user, *, today) -> int`: one query, shown in the navigation bar. Its
`topics(access)` name what it depends on (core/live.py): the services that change a count bump
them, the navigation refreshes its counts when they change and not otherwise, and the numbers are
kept in the live cache under those topics' versions (a bump is their invalidation).

The queue a person was shown is kept with core.kept (`kept.part`) and shown again while nothing it
is made of has changed: a source names the tables it reads (`tables=`), and a save or delete of a
row of one of them, a bulk load (core.db.rows_written) or a bulk update (a QuerySet with
`KeptWrites`, or code calling `kept.changed()`) makes it stale; a source may name live topics too
(`topics=`: the inbox's threads, bumped by the messaging services); who sees which family is
followed by the policy's scope version. Each source's rows are kept as well, under its own tables
and topics: when the queue is stale (a family's text came in), only the sources that read what
changed are asked again (one, not eight). The date, the language and the roles are part of the
stamp, and a queue is kept at most TODAY_SECONDS, for what only the clock changes (an interpreter
booking coming within two weeks, a family no longer new).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from liaison.core import kept, policy
from liaison.core.policy.cache import scope_version
from liaison.core.policy.scopes import Access

URGENT, ACTION, NOTICE = 0, 1, 2

Ask = Callable[[Access], bool]
Topics = Callable[[Access], Iterable[str]]


@dataclass(frozen=True)
class Item:
    kind: str  # the source's kind: "message", "concern", "task", "rsvp", ...
    reason: str  # why it is here, in words ("Family message awaiting a reply")
    title: str  # what it is about (the household's label, the task's title)
    at: dt.datetime  # when it started waiting or fell due: the queue's order within a priority
    url: str = ""  # where to open it
    priority: int = ACTION
    detail: str = ""
    household_id: int | None = None
    household: str = ""
    due_on: dt.date | None = None  # shown as "due <date>" when set, else the age since `at`
    task_id: int | None = None  # set on tasks: snooze, done and hand-over act on it in place
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url) next actions

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()


@dataclass(frozen=True)
class Source:
    kind: str
    provider: Callable[..., Iterable[Item]]
    ask: Ask
    tables: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    topics: Topics | None = None
    group: str = ""  # the kept group of its tables (kept.group)


@dataclass(frozen=True)
class Count:
    key: str
    label: Any
    counter: Callable[..., int]
    ask: Ask
    url_name: str
    topics: Topics


_sources: list[Source] = []
# Every source's tables, as one kept group (add_source adds to it): a kept queue reads one version
# per district for all of them.
TABLES = kept.group("today", ())
_counts: list[Count] = []


def _always(access: Access) -> bool:
    return access.user_id is not None


def add_source(
    kind: str,
    provider: Callable[..., Iterable[Item]],
    *,
    ask: Ask = _always,
    tables: Iterable[str] = (),
    claims: Iterable[str] = (),
    topics: Topics | None = None,
) -> None:
    """Add a source of Today's rows; `tables` ("app.Model") are the tables its rows are read from,
    whose writes make a person's kept queue stale, and `topics(access)` the live topics (core/live.py)
    whose bumps do (what no table write tells of, such as a thread's latest message); `claims` are
    the kinds of follow-up task (Task.source_kind) its rows show themselves, with the task's
    actions, so that the tasks' own source leaves them out for the people this source is asked
    for."""
    if all(s.kind != kind for s in _sources):
        tables = tuple(tables)
        group = kept.group(f"today-{kind}", tables)
        _sources.append(Source(kind, provider, ask, tables, tuple(claims), topics, group))
        kept.watch_deletes(*tables)
        kept.group("today", tables)


def add_count(
    key: str,
    label: Any,
    counter: Callable[..., int],
    *,
    url_name: str,
    topics: Topics,
    ask: Ask = _always,
) -> None:
    if all(c.key != key for c in _counts):
        _counts.append(Count(key, label, counter, ask, url_name, topics))


def url_maker(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for a page of rows: the pattern is reversed once, each row's pk put
    in its place."""
    marker = 2_147_483_647
    head, _, tail = reverse(name, args=[marker]).partition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def claimed(access: Access) -> set[str]:
    """The follow-up task kinds another source shows this person in its own rows."""
    return {kind for s in _sources if s.claims and s.ask(access) for kind in s.claims}


def kinds() -> list[str]:
    return [s.kind for s in _sources]


def queue(user: Any, *, today: dt.date, limit: int = 100) -> list[Item]:
    """What needs this person today, in order: urgent first, then oldest first (the queue kept
    for them while nothing it is made of changed)."""
    access = policy.access_for(user)
    districts = sorted(access.district_ids)
    sources = [s for s in _sources if s.ask(access)]
    vary = (today.isoformat(), limit)

    def rows_of(source: Source) -> list[Item]:
        """One source's rows, kept on their own: a write that makes the queue stale (a family's
        text, a task done) has only the sources that read it asked again."""
        return kept.part(
            f"today-{source.kind}",
            user,
            make=lambda: list(source.provider(user, today=today, limit=limit)),
            districts=districts,
            tables=(source.group,),
            topics=_topics(source, access),
            vary=vary,
            seconds=settings.LIAISON_TODAY_SECONDS,
        )

    def make() -> list[Item]:
        items: list[Item] = []
        with policy.answers_kept():
            for source in sources:
                items.extend(rows_of(source))
        items.sort(key=lambda i: (i.priority, i.at))
        return items[:limit]

    return kept.part(
        "today",
        user,
        make=make,
        districts=districts,
        tables=(TABLES,),
        topics=sorted({t for s in sources for t in _topics(s, access)}),
        vary=vary,
        seconds=settings.LIAISON_TODAY_SECONDS,
    )


def _topics(source: Source, access: Access) -> list[str]:
    return sorted(source.topics(access)) if source.topics else []


# How long counted numbers are kept: a bump of their topics or a change of scope (another site or
# caseload, a membership ended: the policy's scope version) replaces them at once; this bounds what
# neither tells of.
COUNTS_KEPT_SECONDS = 600


def count_topics(user: Any) -> list[str]:
    """What this person's navigation counts depend on (the live topics their counts watch)."""
    access = policy.access_for(user)
    if access.user_id is None:
        return []
    topics: list[str] = []
    for c in _counts:
        if c.ask(access):
            topics.extend(t for t in c.topics(access) if t not in topics)
    return sorted(topics)


def counts(user: Any, *, today: dt.date, version: str = "") -> list[dict[str, Any]]:
    """The navigation's counts for this person: [{key, label, n, url_name}]. With `version` (the
    versions of `count_topics(user)`, read before this call), they are kept in the live cache
    under it and the policy's scope version: asked again only once a write they depend on has
    bumped a topic, or someone's caseload, site or membership changed (whom they count may have)."""
    access = policy.access_for(user)
    shown = [c for c in _counts if c.ask(access)]
    # The scope version is read before counting, like `version`: a scope changed while counting
    # draws a new one, so what was counted under the old scope is never kept under the new.
    key = f"nav-counts:{user.pk}:{today.isoformat()}:{version}:{scope_version()}" if version else ""
    numbers = caches["live"].get(key) if key else None
    if not isinstance(numbers, dict) or set(numbers) != {c.key for c in shown}:
        numbers = {c.key: c.counter(user, today=today) for c in shown}
        if key:
            caches["live"].set(key, numbers, timeout=COUNTS_KEPT_SECONDS)
    return [
        {"key": c.key, "label": c.label, "n": numbers[c.key], "url_name": c.url_name} for c in shown
    ]


def page_topics(request: Any) -> list[str]:
    """The topics every staff page's stream carries for the navigation's counts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return count_topics(user)
