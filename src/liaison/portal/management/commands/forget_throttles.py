"""Delete the family portal's sign-in throttle rows older than a day (or queue the hourly run)."""

from django.core.management.base import BaseCommand

from liaison.portal import services
from liaison.portal.tasks import forget_old_throttles, kept_hours, schedule_forgetting


class Command(BaseCommand):
    help = "Forget sign-in throttle rows older than a day; --schedule queues the hourly task."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the first run now (it then repeats every hour)",
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            if not forget_old_throttles.get_backend().supports_defer:
                self.stdout.write(
                    "This task backend runs tasks at once and cannot wait an hour. "
                    "Run `liaison forget_throttles` hourly from cron instead, e.g.:\n"
                    "  7 * * * *  liaison forget_throttles"
                )
                return
            _when, queued = schedule_forgetting()
            self.stdout.write(
                "Old sign-in throttles are forgotten every hour from now."
                if queued
                else "Forgetting old sign-in throttles is already scheduled; nothing changed."
            )
            return

        count = services.forget_old_throttles(older_than_hours=kept_hours())
        self.stdout.write(f"{count} sign-in throttle row(s) forgotten.")
