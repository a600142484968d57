"""Sending an event notice to a household, exactly once per (invitation, key).

The sent-marker (Notice) is written in the same transaction as the send: a second run of the same
reminder finds the marker (or collides on its unique constraint) and sends nothing. Messaging
(`liaison.messaging.services.send_notice`) carries the notice in each guardian's language over
their channels and respects quiet hours; until it is installed, notices go by email only.
"""

import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation

from liaison.events.models import Invitation, Notice

log = logging.getLogger(__name__)


def _messaging_send():
    try:
        from liaison.messaging.services import send_notice
    except ImportError:
        return None
    return send_notice


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
) -> bool:
    """Send once; returns False when this notice was already sent to this invitation."""
    guardians = recipients(invitation)
    try:
        with transaction.atomic():
            Notice.objects.create(invitation=invitation, key=key, recipients=len(guardians))
            if guardians:
                _deliver(invitation, key, guardians, subject, body, by, kind, urgent)
    except IntegrityError:
        return False
    return True


def _deliver(invitation, key, guardians, subject, body, by, kind, urgent):
    event = invitation.event
    send_notice = _messaging_send()
    if send_notice is not None:
        send_notice(
            guardians=guardians,
            subject=subject,
            body=body,
            by=by,
            kind=kind,
            urgent=urgent,
            source_language=event.language,
            dedupe_key=f"events:{invitation.pk}:{key}",
            related=invitation,
        )
        return
    from liaison.language.rendering import render_message

    languages = sorted({g.preferred_language for g in guardians})
    rendered = render_message(
        district=event.district,
        subject=subject,
        body=body,
        source_language=event.language,
        target_languages=languages,
    )
    for guardian in guardians:
        if not guardian.email:
            continue
        text = rendered[guardian.preferred_language]
        with translation.override(guardian.preferred_language):
            send_mail(text.subject, text.body, None, [guardian.email])
