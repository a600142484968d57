"""Fetch pictures and files families sent by text whose background fetch has not run."""

from django.core.management.base import BaseCommand

from liaison.messaging import media


class Command(BaseCommand):
    help = "Fetch MMS pictures and files still waiting to be kept (normally a task does this)."

    def handle(self, *args, **options):
        kept, failed = media.fetch_pending()
        self.stdout.write(f"kept {kept}, could not keep {failed}")
