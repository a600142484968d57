"""What the worklist adds to Today: the person's tasks due or overdue, and the "due today" count."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core import live, policy
from liaison.core.policy.scopes import Access
from liaison.core.today import Item, add_count, add_source, claimed, url_maker
from liaison.worklist.models import Task, TaskQuerySet


def _scope(user: Any) -> Q:
    """Tasks on families this person may see: their own (and for leaders and admins, every task
    of the families in their scope); a task about no family is its owner's alone."""
    seen = policy.households_in_scope(user)
    if seen == Q():  # a superuser: every family
        return Q()
    mine = Q(owner=user) & (Q(household__isnull=True) | seen)
    return mine | seen if policy.access_for(user).is_leader else mine


def due_tasks(user: Any, day: dt.date) -> TaskQuerySet:
    return Task.objects.due(day).filter(_scope(user))


def task_items(user: Any, *, today: dt.date, limit: int) -> Iterator[Item]:
    shown_elsewhere = claimed(policy.access_for(user))
    rows = (
        due_tasks(user, today)
        .exclude(source_kind__in=shown_elsewhere)
        .order_by("due_on", "pk")
        .values(
            "pk",
            "title",
            "source_kind",
            "source_url",
            "household_id",
            "household__name",
            "due_on",
            "snoozed_until",
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )[:limit]
    )
    zone = timezone.get_current_timezone()
    family_url = url_maker("people:household")
    for task in rows:
        day = task["snoozed_until"] or task["due_on"]  # Task.due_day
        late = day < today
        if task["source_kind"]:
            reason = _("Follow-up overdue") if late else _("Follow-up due today")
        else:
            reason = _("Task overdue") if late else _("Task due today")
        if task["owner_id"] != user.pk:
            owner = f"{task['owner__first_name']} {task['owner__last_name']}".strip()
            reason = _("%(reason)s (%(owner)s)") % {
                "reason": reason,
                "owner": owner or task["owner__username"],
            }
        links: tuple[tuple[str, str], ...] = ()
        if task["source_url"]:
            links = ((_("Open"), task["source_url"]),)
        elif task["household_id"] is not None:
            links = ((_("Open the family"), family_url(task["household_id"])),)
        yield Item(
            kind="task",
            reason=reason,
            title=task["title"],
            at=dt.datetime.combine(day, dt.time(), tzinfo=zone),
            url=task["source_url"],
            household_id=task["household_id"],
            household=task["household__name"] or "",
            due_on=day,
            task_id=task["pk"],
            links=links,
        )


def count_due(user: Any, *, today: dt.date) -> int:
    return Task.objects.due(today).filter(owner=user).count()


def due_topics(access: Access) -> list[str]:
    """The "due today" count changes with the person's own tasks (worklist.services bumps
    "tasks:<owner>") and with the day."""
    return [f"tasks:{access.user_id}", live.DAY]


def register() -> None:
    add_source("task", task_items, tables=("worklist.Task", "people.Household"))
    add_count("due", gettext_lazy("due today"), count_due, url_name="home", topics=due_topics)
