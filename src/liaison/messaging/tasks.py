"""Background work (django.tasks): fan out large messages, drain the outbox.

The delivery table is the truth. A drain task that is lost (queue flushed, Redis restarted) costs
nothing but time: the next send, the next scheduled drain or `liaison deliver` picks the rows up.
"""

import datetime as dt
import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone

log = logging.getLogger(__name__)


@task()
def prepare_message(message_id: int) -> int:
    from liaison.messaging import services

    message = services.prepare_message(message_id)
    return message.recipient_count


@task()
def deliver_due() -> int:
    """Deliver what is due, then schedule the next run for the next due row (retries, quiet hours)."""
    from liaison.messaging import delivery

    handled = delivery.drain()
    upcoming = delivery.next_due_at()
    if upcoming is not None:
        enqueue_delivery(at=max(upcoming, timezone.now() + dt.timedelta(seconds=1)))
    return handled


def enqueue_delivery(at=None) -> None:
    """Ask a worker to drain the outbox now (or at `at`). Never fails the caller."""
    try:
        if at is None or at <= timezone.now():
            deliver_due.enqueue()
        elif deliver_due.get_backend().supports_defer:
            deliver_due.using(run_after=at).enqueue()
        # else (the immediate backend): `liaison deliver` or the next send picks the rows up.
    except Exception:  # a queue that is down must not undo a send: the table still holds the rows
        log.exception("could not enqueue the delivery task")


@task()
def fetch_media(attachment_id: int) -> bool:
    """Fetch a picture or file a family sent by text (see messaging.media)."""
    from liaison.messaging import media

    return media.fetch(attachment_id)


def enqueue_media_fetch(attachment_id: int) -> None:
    """Ask a worker to fetch an MMS item. Never fails the webhook: `liaison fetch-media` (or the
    next worker pass) picks up what is still pending."""
    try:
        fetch_media.enqueue(attachment_id)
    except Exception:
        log.exception("could not enqueue the media fetch for attachment %s", attachment_id)


def enqueue_delivery_on_commit() -> None:
    transaction.on_commit(enqueue_delivery)
