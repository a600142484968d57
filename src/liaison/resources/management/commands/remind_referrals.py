"""`liaison remind_referrals`: send every follow-up reminder that is due and not yet sent (cron)."""

from django.core.management.base import BaseCommand

from liaison.resources import services


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        self.stdout.write(f"{services.send_due_reminders()} reminders sent")
