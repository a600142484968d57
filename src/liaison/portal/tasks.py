"""Background entry points of the family portal."""

import datetime as dt
import math

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from liaison.core import periodic
from liaison.portal import services

THROTTLES = "forget-throttles"

# Throttle rows count for an hour (requests) or the lockout window (wrong guesses); a day-old row
# counts for nothing. Hourly keeps the table, read on every sign-in attempt, small.
EVERY = dt.timedelta(hours=1)


def next_run(now=None) -> dt.datetime:
    return (now or timezone.now()) + EVERY


def kept_hours() -> int:
    """A day, or the lockout window when an operator set it longer: a lockout is never cut short."""
    return max(24, math.ceil(settings.LIAISON_PORTAL_LOCKOUT_MINUTES / 60))


@task()
def forget_old_throttles(token: str = "", reschedule: bool = True) -> int:
    """Delete sign-in throttle rows older than a day. An hourly run (`liaison forget_throttles
    --schedule` queues the first, with its token) then queues the next; a superseded run stops."""

    if token and not periodic.start(THROTTLES, token):
        return 0
    count = services.forget_old_throttles(older_than_hours=kept_hours())
    if token and reschedule:
        periodic.finish(THROTTLES, token, forget_old_throttles, next_run())
    return count


def schedule_forgetting() -> tuple[dt.datetime, bool]:
    """Queue the hourly run (the first one now) unless it is queued already."""
    return periodic.schedule(THROTTLES, forget_old_throttles, timezone.now())
