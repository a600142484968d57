"""Background entry points of the family portal."""

import datetime as dt
import math

from django.conf import settings
from django.tasks import task
from django.utils import timezone

# Throttle rows count for an hour (requests) or the lockout window (wrong guesses); a day-old row
# counts for nothing. Hourly keeps the table, read on every sign-in attempt, small.
EVERY = dt.timedelta(hours=1)


def next_run(now=None) -> dt.datetime:
    return (now or timezone.now()) + EVERY


def kept_hours() -> int:
    """A day, or the lockout window when an operator set it longer: a lockout is never cut short."""
    return max(24, math.ceil(settings.LIAISON_PORTAL_LOCKOUT_MINUTES / 60))


@task()
def forget_old_throttles(reschedule: bool = True) -> int:
    """Delete sign-in throttle rows older than a day, then queue the next run in an hour
    (`liaison forget_throttles --schedule` queues the first)."""
    from liaison.portal import services

    count = services.forget_old_throttles(older_than_hours=kept_hours())
    if reschedule:
        forget_old_throttles.using(run_after=next_run()).enqueue(reschedule=True)
    return count
