"""`liaison event_reminders`: send every event reminder that is due and not yet sent (cron).

The task worker does this at each reminder's time; an installation whose task backend cannot wait
(LIAISON_TASK_BACKEND=immediate) runs this every few minutes instead. Safe to run at any time."""

from django.core.management.base import BaseCommand

from liaison.events import services, tasks


class Command(BaseCommand):
    help = (
        "Send the event reminders that are due (each once, however often it runs); "
        "--queue hands the check to the worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="queue it for the worker")

    def handle(self, *args, queue=False, **options):
        if queue:
            tasks.send_due_reminders_task.enqueue()
            self.stdout.write("Event reminder check queued.")
            return
        self.stdout.write(f"{services.send_due_reminders()} event reminder(s) sent.")
