"""Jobs that repeat by queueing their own next run, kept to one chain of runs each (PeriodicRun)."""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from liaison.core.models import PeriodicRun

# A queued run this late never ran (its worker died, the queue was emptied): schedule afresh.
LOST_AFTER = dt.timedelta(hours=1)


def _enqueue(task, when: dt.datetime, token: str) -> None:
    transaction.on_commit(lambda: task.using(run_after=when).enqueue(token=token))


def schedule(name: str, task, when: dt.datetime) -> tuple[dt.datetime, bool]:
    """Queue `task(token=…)` at `when`, unless a run of `name` is queued already.

    Returns the time of the run that is queued and whether this call queued it."""
    with transaction.atomic():
        run = PeriodicRun.objects.select_for_update().filter(name=name).first()
        if run is not None and run.next_run_at > timezone.now() - LOST_AFTER:
            return run.next_run_at, False
        token = secrets.token_hex(16)
        PeriodicRun.objects.update_or_create(
            name=name, defaults={"token": token, "next_run_at": when}
        )
        _enqueue(task, when, token)
    return when, True


def start(name: str, token: str) -> bool:
    """True when the run holding `token` is the job's current one; a superseded run must stop."""
    return bool(
        PeriodicRun.objects.filter(name=name, token=token).update(last_started_at=timezone.now())
    )


def finish(name: str, token: str, task, when: dt.datetime) -> None:
    """Queue the next run of the chain that `token` holds."""
    new = secrets.token_hex(16)
    with transaction.atomic():
        moved = PeriodicRun.objects.filter(name=name, token=token).update(
            token=new, next_run_at=when, last_finished_at=timezone.now()
        )
        if moved:
            _enqueue(task, when, new)
