"""Delete the family portal's sign-in throttle rows older than a day (or queue the hourly run)."""

from django.core.management.base import BaseCommand

from liaison.portal import services


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
            from liaison.portal.tasks import forget_old_throttles

            forget_old_throttles.enqueue(reschedule=True)
            self.stdout.write("Old sign-in throttles are forgotten every hour from now.")
            return
        from liaison.portal.tasks import kept_hours

        count = services.forget_old_throttles(older_than_hours=kept_hours())
        self.stdout.write(f"{count} sign-in throttle row(s) forgotten.")
