"""Run the background task worker for whichever task backend is configured."""

import logging
import signal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands import db_worker

log = logging.getLogger("liaison.worker")


class GracefulWorker(db_worker.Worker):
    """django-tasks-db's worker, except that a stop asked again by SIGTERM stays a graceful stop:
    the task under way is finished. A stop often comes twice: `liaison serve` passes SIGTERM (or
    Ctrl-C) on to its worker, which had it already when the whole process group was signalled (a
    terminal's Ctrl-C, a service manager, `kill -- -PGID`). django-tasks-db took the second as
    "force": it abandoned the task mid-run, or, arriving as the process exited, printed a
    traceback. Pressing Ctrl-C twice still forces; a stop that hangs is for SIGKILL."""

    def shutdown(self, signum, frame):
        if not self.running and signum == signal.SIGTERM:
            log.info("asked again to stop: finishing the task under way")
            return
        super().shutdown(signum, frame)


# django-tasks-rq enqueues its own RQ job class, which knows how to run a django.tasks Task; a
# worker left with RQ's plain Job fails every job ("'Task' object is not callable").
RQ_JOB_CLASS = "django_tasks_rq.backend.Job"


class Command(BaseCommand):
    help = "Run the background task worker (database or Redis backend, as configured)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="drain the queue, then exit")

    def handle(self, *args, batch=False, **options):
        if settings.TASK_BACKEND == "redis":
            # --with-scheduler moves deferred jobs (reminders, retries, the nightly retention)
            # onto the queue when they fall due; in burst mode it does so once, before draining.
            call_command(
                "rqworker",
                "default",
                "--job-class",
                RQ_JOB_CLASS,
                "--with-scheduler",
                *(["--burst"] if batch else []),
            )
        elif settings.TASK_BACKEND == "immediate":
            self.stdout.write(
                "Nothing to run: with LIAISON_TASK_BACKEND=immediate every task runs at once "
                "inside the request that asks for it, so there is no queue to work on."
            )
        else:
            # db_worker builds its worker by the module's name for the class; this process runs
            # that one command, so the name is given ours for good.
            db_worker.Worker = GracefulWorker  # type: ignore[misc]
            call_command("db_worker", *(["--batch"] if batch else []), "--queue-name", "*")
