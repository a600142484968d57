"""`liaison scheduler`: keep every repeating job's chain queued and run the sweeps when they are due.

Safe to run on several machines at once: a chain is queued once (core.periodic.schedule locks its
row), and a sweep's turn goes to one scheduler (core.periodic.claim)."""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.tasks import default_task_backend

from liaison.core import periodic

log = logging.getLogger("liaison.scheduler")


class Command(BaseCommand):
    help = (
        "Keep the repeating jobs (retention, reminders, throttles) queued for the worker and run "
        "the reminder sweeps and the insights refresh when due; --once does one round and exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument(
            "--interval",
            type=int,
            default=settings.LIAISON_SCHEDULER_SECONDS,
            help="seconds between rounds (default LIAISON_SCHEDULER_SECONDS)",
        )

    def handle(self, *args: Any, once: bool = False, interval: int = 60, **options: Any) -> None:
        if not default_task_backend.supports_defer:
            raise CommandError(
                "This task backend runs every task at once and cannot hold a job until its time: "
                "the scheduler needs LIAISON_TASK_BACKEND=database or redis (with `immediate`, "
                "run the jobs from cron as the README says)."
            )
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        while True:
            self.round()
            if once:
                return
            time.sleep(interval)

    def round(self) -> None:
        close_old_connections()
        # A database that does not answer in time (another scheduler holding SQLite's write lock
        # past its busy timeout, a PostgreSQL failover) costs this round one job's turn, which
        # another scheduler or the next round takes; it never stops the scheduler.
        for name, schedule_job in sorted(periodic.JOBS.items()):
            try:
                when, queued = schedule_job()
            except DatabaseError:
                log.exception("could not queue %s this round", name)
                continue
            if queued:
                self.stdout.write(f"{name}: queued for {when:%Y-%m-%d %H:%M} UTC")
        for name, (every, run) in sorted(periodic.SWEEPS.items()):
            try:
                claimed = periodic.claim(name, every)
            except DatabaseError:
                log.exception("could not claim sweep %s this round", name)
                continue
            if not claimed:
                continue
            try:
                run()
            except Exception:
                # One failing sweep must not stop the others, nor the chains next round.
                log.exception("sweep %s failed", name)
                continue
            try:
                periodic.finished(name)
            except DatabaseError:  # it ran; only the time it finished is not written
                log.exception("could not record the end of sweep %s", name)
            self.stdout.write(f"{name}: ran")
        self.stdout.flush()
