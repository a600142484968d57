"""`liaison event_reminders`: send every event reminder that is due and not yet sent (cron).

The task worker does this at each reminder's time; an installation whose task backend cannot wait
(LIAISON_TASK_BACKEND=immediate) runs this every few minutes instead. Safe to run at any time."""

from django.core.management.base import BaseCommand

from liaison.events import services


class Command(BaseCommand):
    help = "Send the event reminders that are due (run from cron with the immediate backend)."

    def handle(self, *args, **options):
        self.stdout.write(f"{services.send_due_reminders()} reminder(s) sent")
