"""`liaison concern_reminders`: queue the reminder check (run from cron, e.g. every 15 minutes)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Queue the overdue-concern and follow-up reminder check (--now runs it here)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run in this process")

    def handle(self, *args, now=False, **options):
        from liaison.concerns import services, tasks

        if now:
            sent = services.send_due_reminders()
            self.stdout.write(f"{sent} reminder(s) sent")
        else:
            tasks.send_reminders.enqueue()
            self.stdout.write("reminder check queued")
