"""Sending an event notice to a household, exactly once per (invitation, key).

The sent-marker (Notice) is written in the same transaction as the send: a second run of the same
reminder finds the marker (or collides on its unique constraint) and sends nothing; messaging's
dedupe_key is a second guard. Messaging (`liaison.messaging.services.send_notice`) renders the
notice in each guardian's language, picks their channels and holds it through quiet hours.
"""

from django.db import IntegrityError, transaction

from liaison.events.models import Invitation, Notice
from liaison.messaging.services import send_notice


def recipients(invitation: Invitation):
    if invitation.household_id is None:
        return []
    return list(invitation.household.guardians.reachable().order_by("pk"))


def send(
    *,
    invitation: Invitation,
    key: str,
    subject: str,
    body: str,
    by=None,
    kind: str = "event",
    urgent: bool = False,
    context: dict | None = None,
) -> bool:
    """Send once; returns False when this notice was already sent to this invitation."""
    guardians = recipients(invitation)
    try:
        with transaction.atomic():
            Notice.objects.create(invitation=invitation, key=key, recipients=len(guardians))
            if guardians:
                _deliver(invitation, key, guardians, subject, body, by, kind, urgent, context)
    except IntegrityError:
        return False
    return True


def _deliver(invitation, key, guardians, subject, body, by, kind, urgent, context):

    send_notice(
        guardians=guardians,
        subject=subject,
        body=body,
        by=by,
        kind=kind,
        urgent=urgent,
        source_language=invitation.event.language,
        dedupe_key=f"events:{invitation.pk}:{key}",
        related=invitation,
        context=context,
    )
