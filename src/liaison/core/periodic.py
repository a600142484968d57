"""Jobs that repeat by queueing their own next run, kept to one chain of runs each (PeriodicRun)."""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liaison.core.models import PeriodicRun

# A queued run this late never ran (its worker died, the queue was emptied): schedule afresh.
LOST_AFTER = dt.timedelta(hours=1)


def queue_identity() -> str:
    """Which queue the task backend puts runs on, as a digest (a Redis URL may hold a password):
    the backend, and for RQ the Redis it talks to. A run queued under another identity (the
    database backend's table, before a district moved to Redis; another Redis) is one that no
    worker of this one will take."""
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    where = getattr(settings, "REDIS_URL", "") if "rq" in backend.lower() else ""
    return hashlib.sha256(f"{backend}|{where}".encode()).hexdigest()[:16]


def _enqueue(task, when: dt.datetime, token: str) -> None:
    transaction.on_commit(lambda: task.using(run_after=when).enqueue(token=token))


# Every job that repeats itself, by name: the function that queues its chain unless it is queued
# (apps register theirs in ready(); `liaison scheduler` keeps them all scheduled).
JOBS: dict[str, Callable[[], tuple[dt.datetime, bool]]] = {}

# A row that no run has held yet: created to be locked, then given its first token.
_NEVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def register(name: str, schedule_job: Callable[[], tuple[dt.datetime, bool]]) -> None:
    JOBS[name] = schedule_job


def schedule_all() -> dict[str, tuple[dt.datetime, bool]]:
    """Make sure every registered chain has its next run queued; safe on several machines at once."""
    return {name: schedule_job() for name, schedule_job in sorted(JOBS.items())}


def schedule(name: str, task, when: dt.datetime) -> tuple[dt.datetime, bool]:
    """Queue `task(token=…)` at `when`, unless a run of `name` is queued already on this
    backend's queue (one queued on another is queued again here, and supersedes it).

    Returns the time of the run that is queued and whether this call queued it. Two callers at
    once (two schedulers starting together) queue one run: the job's row is made first, so that
    both lock the same row, and the second finds the first's run queued."""
    with transaction.atomic():
        PeriodicRun.objects.get_or_create(name=name, defaults={"token": "", "next_run_at": _NEVER})
        run = PeriodicRun.objects.select_for_update().get(name=name)
        here = queue_identity()
        if run.token and run.queued_on == here and run.next_run_at > timezone.now() - LOST_AFTER:
            return run.next_run_at, False
        token = secrets.token_hex(16)
        PeriodicRun.objects.filter(pk=run.pk).update(token=token, next_run_at=when, queued_on=here)
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
            token=new, next_run_at=when, last_finished_at=timezone.now(), queued_on=queue_identity()
        )
        if moved:
            _enqueue(task, when, new)


# Sweeps: work that looks for what has fallen due (reminders, the insights rollups) and is safe to
# run at any time; `liaison scheduler` runs each every so often, in place of cron lines.
SWEEPS: dict[str, tuple[dt.timedelta, Callable[[], object]]] = {}


def register_sweep(name: str, every: dt.timedelta, run: Callable[[], object]) -> None:
    SWEEPS[name] = (every, run)


def claim(name: str, every: dt.timedelta) -> bool:
    """Take the sweep's turn if it is due, for this process alone: of several schedulers asking at
    once, one gets True and the turn moves `every` on for all of them."""
    now = timezone.now()
    PeriodicRun.objects.get_or_create(name=name, defaults={"token": "", "next_run_at": _NEVER})
    return bool(
        PeriodicRun.objects.filter(name=name, next_run_at__lte=now).update(
            next_run_at=now + every, last_started_at=now
        )
    )


def finished(name: str) -> None:
    PeriodicRun.objects.filter(name=name).update(last_finished_at=timezone.now())
