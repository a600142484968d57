"""Read one raw email from standard input (a Postfix pipe transport) and store it like the inbound webhook."""

import sys

from django.core.management.base import BaseCommand

from liaison.messaging import inbound


class Command(BaseCommand):
    help = "Store an email reply piped in on standard input (reply+TOKEN@ addresses, bounces)."

    def handle(self, *args, **options):
        result = inbound.handle_inbound_email(sys.stdin.buffer.read())
        self.stdout.write(result["outcome"])
