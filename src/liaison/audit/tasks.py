"""Background entry points of the audit app."""

import datetime as dt

from django.tasks import task
from django.utils import timezone


def next_run(now=None) -> dt.datetime:
    """Tomorrow at 03:00 in the district's zone: retention runs once a day, at night."""
    now = timezone.localtime(now)
    return (now + dt.timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)


@task()
def apply_retention(reschedule: bool = True):
    """Apply the retention policies, then queue tomorrow's run (`liaison retention --schedule`
    queues the first one)."""
    from liaison.audit import services

    count = len(services.apply_retention())
    if reschedule:
        apply_retention.using(run_after=next_run()).enqueue(reschedule=True)
    return count
