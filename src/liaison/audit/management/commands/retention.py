"""Apply every district's retention policy now (or list what it would erase with --dry-run)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from liaison.audit import services
from liaison.audit.tasks import apply_retention, schedule_retention


class Command(BaseCommand):
    help = "Apply the retention policies: erase what is due, households on legal hold excepted."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, erase nothing")
        parser.add_argument(
            "--schedule", action="store_true", help="queue the nightly run (it then repeats daily)"
        )

    def handle(self, *args, dry_run=False, schedule=False, **options):
        if schedule:
            if not apply_retention.get_backend().supports_defer:
                # The immediate backend has no queue to wait in: the operating system schedules it.
                self.stdout.write(
                    "This task backend runs tasks at once and cannot wait until tonight. "
                    "Run `liaison retention` nightly from cron instead, e.g.:\n"
                    "  0 3 * * *  liaison retention"
                )
                return
            when, queued = schedule_retention()
            when = timezone.localtime(when)
            if queued:
                self.stdout.write(f"Retention runs nightly from {when:%Y-%m-%d %H:%M %Z}.")
            else:
                self.stdout.write(
                    f"Retention is already scheduled (next run {when:%Y-%m-%d %H:%M %Z}); "
                    "nothing changed."
                )
            return
        actions = services.apply_retention(dry_run=dry_run)
        verb = "would erase" if dry_run else "erased"
        for a in actions:
            self.stdout.write(
                f"{a.policy.district.slug}: {verb} {a.policy.section} of household "
                f"#{a.household_id} ({a.household_name})"
            )
        self.stdout.write(f"{len(actions)} household section(s) {verb}.")
        cutoff = services.access_log_cutoff()
        if cutoff is not None and not dry_run:
            services.expire_access_log()
            self.stdout.write(f"Access log before {cutoff:%Y-%m-%d} removed.")
        elif cutoff is not None:
            self.stdout.write(f"Would remove the access log before {cutoff:%Y-%m-%d}.")
