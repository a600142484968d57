"""Tasks: create, schedule from a follow-up date (one per source), snooze, complete, hand over,
and the once-a-day reminder of overdue tasks to their owners."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.core import live
from liaison.messaging import staff as staff_notices
from liaison.worklist.models import Task


def tasks_changed(*owner_ids: int | None) -> None:
    """The owners' tasks changed: their navigation's "due today" count (and any page watching
    "tasks:<owner>") refreshes once the transaction commits (core/live.py)."""
    live.changed(*(f"tasks:{pk}" for pk in owner_ids if pk))


def _source_key(source: Any) -> tuple[str, str]:
    return source._meta.label_lower, str(source.pk)


def create_task(
    *,
    owner: Any,
    title: str,
    due_on: dt.date,
    by: Any,
    household: Any = None,
    district: Any = None,
) -> Task:
    """A task made by hand (for a family, or for oneself)."""
    district_id = getattr(household, "district_id", None) or getattr(district, "pk", district)
    if district_id is None:
        raise ValidationError({"household": _("Say which district the task is for.")})
    task = Task.objects.create(
        district_id=district_id,
        owner=owner,
        household=household,
        title=title[:300],
        due_on=due_on,
        created_by=by,
    )
    tasks_changed(task.owner_id)
    return task


def schedule_follow_up(
    *,
    source: Any,
    owner: Any,
    household: Any,
    due_on: dt.date | None,
    title: str,
    url: str = "",
    by: Any = None,
) -> Task | None:
    """The task that follows `source` up on `due_on`: made once per source; called again, it moves
    the date (and reopens a finished task for the new date). No date: the open task goes away.
    Call it inside the source's own transaction."""
    kind, pk = _source_key(source)
    # Whoever owned it before: a task handed over or gone leaves their count too.
    before = list(
        Task.objects.filter(source_kind=kind, source_id=pk).values_list("owner_id", flat=True)
    )
    if due_on is None:
        Task.objects.open().filter(source_kind=kind, source_id=pk).delete()
        tasks_changed(*before)
        return None
    fields = {
        "district_id": household.district_id,
        "household": household,
        "owner": owner,
        "title": title[:300],
        "due_on": due_on,
        "source_url": url[:300],
    }
    # Scheduling again reopens the task: a new date starts it afresh (not snoozed, not done).
    reopened = {"snoozed_until": None, "done_at": None, "outcome": "", "last_reminded_on": None}
    task, _created = Task.objects.update_or_create(
        source_kind=kind,
        source_id=pk,
        defaults={**fields, **reopened},
        create_defaults={**fields, "created_by": by or owner},
    )
    tasks_changed(*before, task.owner_id)
    return task


def close_for_source(*, source: Any, outcome: str) -> int:
    """The source is settled (the concern closed, the action done): its open task is done too."""
    kind, pk = _source_key(source)
    settled = Task.objects.open().filter(source_kind=kind, source_id=pk)
    owners = list(settled.values_list("owner_id", flat=True))
    if not owners:
        return 0
    tasks_changed(*owners)
    return settled.update(done_at=timezone.now(), outcome=outcome[:2000])


def snooze(*, task: Task, until: dt.date, by: Any) -> Task:
    today = timezone.localdate()
    if task.is_done:
        raise ValidationError({"until": _("This task is done already.")})
    if until <= today:
        raise ValidationError({"until": _("Snooze to a day after today.")})
    if until > today + dt.timedelta(days=366):
        raise ValidationError({"until": _("Snooze to a day within a year.")})
    task.snoozed_until = until
    task.last_reminded_on = None
    task.save(update_fields=["snoozed_until", "last_reminded_on"])
    tasks_changed(task.owner_id)
    return task


def complete(*, task: Task, outcome: str, by: Any) -> Task:
    """Mark the task done with what came of it."""
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what came of it.")})
    done = Task.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=timezone.now(), outcome=outcome[:2000]
    )
    if not done:
        raise ValidationError({"outcome": _("This task is done already.")})
    task.refresh_from_db()
    tasks_changed(task.owner_id)
    return task


def reassign(*, task: Task, owner: Any, by: Any) -> Task:
    """Hand the task to a colleague: it is theirs from now on, reminders included."""
    if task.is_done:
        raise ValidationError({"owner": _("This task is done already.")})
    if owner.pk == task.owner_id:
        raise ValidationError({"owner": _("The task is theirs already.")})
    if (
        not owner.is_active
        or not owner.memberships.filter(district_id=task.district_id, is_active=True).exists()
    ):
        raise ValidationError({"owner": _("Choose a colleague in the task's district.")})
    before = task.owner_id
    task.owner = owner
    task.last_reminded_on = None
    task.save(update_fields=["owner", "last_reminded_on"])
    tasks_changed(before, task.owner_id)
    return task


def remind_overdue(*, today: dt.date | None = None) -> int:
    """Remind each owner of their overdue tasks, one notice a day at most; returns how many were
    queued. A task is claimed for the day (last_reminded_on) in the notice's own transaction, so
    runs as often as wanted, from any number of workers, send one notice per owner and day."""
    today = today or timezone.localdate()
    owners = (
        Task.objects.overdue(today)
        .exclude(last_reminded_on__gte=today)
        .values_list("owner_id", flat=True)
        .distinct()
    )
    sent = 0
    for owner_id in list(owners):
        with transaction.atomic():
            tasks = list(
                Task.objects.overdue(today)
                .filter(owner_id=owner_id)
                .exclude(last_reminded_on__gte=today)
                # Lock the tasks only: their household is an outer join (a task may have none),
                # which PostgreSQL will not lock.
                .select_for_update(of=("self",))
                .select_related("owner", "household")
                .order_by("due_on", "pk")
            )
            claimed = (
                Task.objects.filter(pk__in=[t.pk for t in tasks])
                .exclude(last_reminded_on__gte=today)
                .update(last_reminded_on=today)
            )
            if not claimed:
                continue
            owner = tasks[0].owner
            with translation.override(getattr(owner, "interface_language", "") or None):
                row = _notify_overdue(owner, tasks, today)
            sent += row is not None
    if sent:
        staff_notices.send_now()
    return sent


def _notify_overdue(owner: Any, tasks: list[Task], today: dt.date) -> Any:
    lines = [
        f"- {t.title}"
        + (f" ({t.household})" if t.household_id else "")
        + " · "
        + _("due %(day)s") % {"day": date_format(t.due_day, "SHORT_DATE_FORMAT")}
        for t in tasks[:20]
    ]
    subject = ngettext("%(n)d overdue task", "%(n)d overdue tasks", len(tasks)) % {"n": len(tasks)}
    body = "\n".join([subject, *lines, settings.PUBLIC_URL + "/"])
    return staff_notices.notify(
        staff=owner,
        district=tasks[0].district_id,
        subject=subject,
        body=body,
        key=f"tasks-overdue-{owner.pk}-{today.isoformat()}",
    )
