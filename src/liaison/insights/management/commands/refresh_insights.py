"""`liaison refresh_insights`: bring the insights rollups up to date (cron), or rebuild them whole."""

from django.core.management.base import BaseCommand

from liaison.insights import services, tasks


class Command(BaseCommand):
    help = (
        "Refresh the insights rollups from what changed since the last run; --full rebuilds every "
        "household's figures (after a restore or a changed metric); --queue hands it to the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild from scratch")
        parser.add_argument("--queue", action="store_true", help="queue it for the worker")

    def handle(self, *args, full=False, queue=False, **options):
        if queue:
            tasks.refresh_insights.enqueue(full=full)
            self.stdout.write("Insights refresh queued.")
            return
        result = services.refresh_all(full=full)
        self.stdout.write(
            f"Insights {'rebuilt' if full else 'refreshed'}: {result['households']} household(s), "
            f"{result['rollups']} rollup row(s)."
        )
