"""Background entry points of the audit app."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from liaison.audit import services
from liaison.core import periodic

RETENTION = "retention"


def next_run(now=None) -> dt.datetime:
    """Tomorrow at 03:00 in the district's zone: retention runs once a day, at night."""
    now = timezone.localtime(now)
    return (now + dt.timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)


@task()
def apply_retention(token: str = "", reschedule: bool = True):
    """Apply the retention policies. A nightly run (`liaison retention --schedule` queues the first,
    with its token) then queues the next; a run whose token was superseded does nothing."""

    if token and not periodic.start(RETENTION, token):
        return 0
    count = len(services.apply_retention())
    services.expire_access_log()
    if token and reschedule:
        periodic.finish(RETENTION, token, apply_retention, next_run())
    return count


def schedule_retention() -> tuple[dt.datetime, bool]:
    """Queue the nightly retention run unless it is queued already."""
    return periodic.schedule(RETENTION, apply_retention, next_run())
