"""Background entry points of the worklist: the hourly sweep that reminds owners of overdue tasks."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from liaison.core import periodic
from liaison.worklist import services

REMINDERS = "task-reminders"

# Hourly, so that a reminder goes out in the morning wherever the worker started; each owner still
# hears at most once a day (Task.last_reminded_on).
EVERY = dt.timedelta(hours=1)


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + EVERY


@task()
def remind_overdue_tasks(token: str = "", reschedule: bool = True) -> int:
    """Remind owners of overdue tasks. `liaison remind_tasks --schedule` queues the first run with
    its token; each run then queues the next; a superseded run stops."""
    if token and not periodic.start(REMINDERS, token):
        return 0
    count = services.remind_overdue()
    if token and reschedule:
        periodic.finish(REMINDERS, token, remind_overdue_tasks, next_run())
    return count


def schedule_reminders() -> tuple[dt.datetime, bool]:
    """Queue the hourly run (the first one now) unless it is queued already."""
    return periodic.schedule(REMINDERS, remind_overdue_tasks, timezone.now())
