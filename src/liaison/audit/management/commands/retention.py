"""Apply every district's retention policy now (or list what it would erase with --dry-run)."""

from django.core.management.base import BaseCommand

from liaison.audit import services


class Command(BaseCommand):
    help = "Apply the retention policies: erase what is due, households on legal hold excepted."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, erase nothing")
        parser.add_argument(
            "--schedule", action="store_true", help="queue the nightly run (it then repeats daily)"
        )

    def handle(self, *args, dry_run=False, schedule=False, **options):
        if schedule:
            from liaison.audit.tasks import apply_retention, next_run

            if not apply_retention.get_backend().supports_defer:
                # The immediate backend has no queue to wait in: the operating system schedules it.
                self.stdout.write(
                    "This task backend runs tasks at once and cannot wait until tonight. "
                    "Run `liaison retention` nightly from cron instead, e.g.:\n"
                    "  0 3 * * *  liaison retention"
                )
                return
            when = next_run()
            apply_retention.using(run_after=when).enqueue(reschedule=True)
            self.stdout.write(f"Retention runs nightly from {when:%Y-%m-%d %H:%M %Z}.")
            return
        actions = services.apply_retention(dry_run=dry_run)
        verb = "would erase" if dry_run else "erased"
        for a in actions:
            self.stdout.write(
                f"{a.policy.district.slug}: {verb} {a.policy.section} of household "
                f"#{a.household_id} ({a.household_name})"
            )
        self.stdout.write(f"{len(actions)} household section(s) {verb}.")
