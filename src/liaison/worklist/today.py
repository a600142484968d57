"""What the worklist adds to Today: the person's tasks due or overdue, and the "due today" count."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core import policy
from liaison.core.today import Item, add_count, add_source
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
    rows = (
        due_tasks(user, today).select_related("household", "owner").order_by("due_on", "pk")[:limit]
    )
    zone = timezone.get_current_timezone()
    for task in rows:
        day = task.due_day
        late = day < today
        if task.source_kind:
            reason = _("Follow-up overdue") if late else _("Follow-up due today")
        else:
            reason = _("Task overdue") if late else _("Task due today")
        if task.owner_id != user.pk:
            reason = _("%(reason)s (%(owner)s)") % {"reason": reason, "owner": task.owner}
        yield today_item(task, reason, dt.datetime.combine(day, dt.time(), tzinfo=zone))


def today_item(task: Task, reason: str, at: dt.datetime) -> Item:
    links: tuple[tuple[str, str], ...] = ()
    if task.source_url:
        links = ((_("Open"), task.source_url),)
    elif task.household_id is not None:
        links = ((_("Open the family"), reverse("people:household", args=[task.household_id])),)
    return Item(
        kind="task",
        reason=reason,
        title=task.title,
        at=at,
        url=task.source_url,
        household_id=task.household_id,
        household=str(task.household) if task.household_id else "",
        due_on=task.due_day,
        task_id=task.pk,
        links=links,
    )


def count_due(user: Any, *, today: dt.date) -> int:
    return Task.objects.due(today).filter(owner=user).count()


def register() -> None:
    add_source("task", task_items)
    add_count("due", gettext_lazy("due today"), count_due, url_name="home")
