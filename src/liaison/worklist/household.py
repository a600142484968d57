"""What the worklist adds to the household page: the family's tasks on its timeline."""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core import pages, policy, reads
from liaison.core.pages import TimelineEntry
from liaison.worklist.models import Task


def task_entries(
    household: Any, user: Any, *, before: dt.datetime | None = None, limit: int = 25
) -> Sequence[TimelineEntry]:
    qs = Task.objects.filter(household=household)
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    rows = qs.order_by("-created_at").values_list(
        "created_at",
        "title",
        "due_on",
        "snoozed_until",
        "done_at",
        "outcome",
        "source_url",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
    )[:limit]
    return reads.later(rows, _entries)


def _entries(rows: list[tuple[Any, ...]]) -> Iterator[TimelineEntry]:
    for at, title, due_on, snoozed, done_at, outcome, url, first, last, username in rows:
        if done_at is not None:
            badge = _("Done %(day)s") % {"day": date_format(done_at.date(), "SHORT_DATE_FORMAT")}
        else:
            badge = _("Due %(day)s") % {"day": date_format(snoozed or due_on, "SHORT_DATE_FORMAT")}
        yield TimelineEntry(
            at=at,
            kind="task",
            title=_("Task: %(title)s") % {"title": title},
            summary=outcome,
            url=url,
            actor=f"{first or ''} {last or ''}".strip() or username,
            badges=(badge,),
        )


def register() -> None:
    pages.add_timeline(
        "household",
        "task",
        gettext_lazy("Tasks"),
        task_entries,
        ask=policy.full_view,
        tables=("people.User",),  # the task's owner
    )
