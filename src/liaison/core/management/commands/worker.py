"""Run the background task worker for whichever task backend is configured."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

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
            call_command("db_worker", *(["--batch"] if batch else []), "--queue-name", "*")
