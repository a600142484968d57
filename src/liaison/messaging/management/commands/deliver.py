"""Drain the delivery table in a loop: the worker that does not depend on any task queue.

`liaison deliver` polls the outbox (the truth) and hands due deliveries to their channels; run one
or more beside `liaison worker` for throughput, or alone when the queue is lost or not configured.
"""

import time

from django.core.management.base import BaseCommand

from liaison.messaging import delivery
from liaison.messaging.choices import OPEN_DELIVERY_STATES
from liaison.messaging.models import Delivery


class Command(BaseCommand):
    help = "Deliver queued messages (SMS, email, portal) until stopped."
    # The system checks import every URLconf and take seconds: a worker started to drain a burst
    # (or restarted after a crash) should start sending at once; `liaison check` runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between empty polls")
        parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
        parser.add_argument(
            "--until-done", action="store_true", help="exit once no delivery is open any more"
        )

    def handle(self, *args, batch_size, poll, once, until_done, **options):
        owner = delivery.worker_name()
        total = 0
        while True:
            # Rows a dead worker left "sending", each round (`liaison scheduler` does the same for
            # `liaison worker`); the queue is not asked to drain them: this loop does.
            total += delivery.reconcile_due(enqueue=False)
            total += delivery.drain(owner=owner, batch_size=batch_size)
            if once:
                break
            if until_done and not Delivery.objects.filter(state__in=OPEN_DELIVERY_STATES).exists():
                break
            time.sleep(poll)
        self.stdout.write(f"delivered or settled {total}")
