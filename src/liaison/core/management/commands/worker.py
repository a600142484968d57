"""Run the background task worker for whichever task backend is configured."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (database or Redis backend, as configured)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="drain the queue, then exit")

    def handle(self, *args, batch=False, **options):
        if settings.TASK_BACKEND == "redis":
            call_command("rqworker", "default", *(["--burst"] if batch else []))
        else:
            call_command("db_worker", *(["--batch"] if batch else []), "--queue-name", "*")
