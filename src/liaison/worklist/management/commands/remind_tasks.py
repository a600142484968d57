"""Remind owners of their overdue tasks now (or queue the hourly run): once a day each, at most."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liaison.worklist import services
from liaison.worklist.tasks import remind_overdue_tasks, schedule_reminders


class Command(BaseCommand):
    help = "Remind owners of overdue tasks (once a day each); --schedule queues the hourly task."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the first run now (it then repeats every hour)",
        )

    def handle(self, *args: Any, schedule: bool = False, **options: Any) -> None:
        if schedule:
            if not remind_overdue_tasks.get_backend().supports_defer:
                self.stdout.write(
                    "This task backend runs tasks at once and cannot wait an hour. "
                    "Run `liaison remind_tasks` hourly from cron instead, e.g.:\n"
                    "  5 * * * *  liaison remind_tasks"
                )
                return
            _when, queued = schedule_reminders()
            self.stdout.write(
                "Owners of overdue tasks are reminded every hour from now (once a day each)."
                if queued
                else "Task reminders are already scheduled; nothing changed."
            )
            return
        count = services.remind_overdue()
        self.stdout.write(f"{count} reminder(s) queued.")
