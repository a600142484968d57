"""Where messaging meets the language app below it: replies' languages, the "I didn't understand"
keyword, and the deliveries language's coverage report counts (registered in MessagingConfig.ready)."""

import logging

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery

from liaison.language import services
from liaison.language.models import ReplyLanguage, text_hash
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery, Message, Rendering

log = logging.getLogger(__name__)


def on_message_saved(sender, instance, created, **kwargs):
    """A family's reply: detect its language after the reply is committed (never delays storing it)."""
    if not created or getattr(instance, "direction", "") != "in" or not instance.guardian_id:
        return
    message_id = instance.pk
    transaction.on_commit(lambda: note_reply(message_id))


def note_reply(message_id: int):

    # With its thread: the detected language names the family whose kept pages show it
    # (core/kept.py) through the message's thread, without a query of its own.
    message = (
        Message.objects.select_related("guardian", "conversation").filter(pk=message_id).first()
    )
    if message is None or message.guardian is None:
        return None
    try:
        tag, _ = services.note_reply_language(guardian=message.guardian, text=message.body)
    except Exception:  # detection must never lose a reply
        log.exception("language detection failed for message %s", message_id)
        return None
    row, _ = ReplyLanguage.objects.get_or_create(
        message=message, defaults={"guardian": message.guardian, "detected_language": tag or ""}
    )
    return row


def didnt_understand_keyword(guardian, text, message) -> bool:
    """messaging's keyword registry: "NO ENTIENDO" (etc.) flags the last message the family got."""
    if not services.is_didnt_understand(text):
        return False
    last = Delivery.objects.last_sent_to(guardian)
    hashes, ref, language = [], "", guardian.preferred_language
    if last is not None:
        m = last.message
        hashes = [text_hash(s) for s in (m.subject, m.body) if s and s.strip()]
        ref, language = f"messaging.message:{m.pk}", last.language
    services.report_not_understood(
        guardian=guardian,
        language=language,
        source_hashes=hashes,
        message_ref=ref,
        received_text=text,
        channel="sms",
    )
    return True


def delivery_coverage(district, *, since=None, until=None):
    """(language, method, count) of deliveries that went out, from messaging's outbox."""
    method = Rendering.objects.filter(
        message_id=OuterRef("message_id"), language=OuterRef("language")
    ).values("method")[:1]
    qs = Delivery.objects.filter(
        message__district=district, state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]
    )
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return (
        qs.annotate(method=Subquery(method))
        .values("language", "method")
        .annotate(n=Count("id"))
        .values_list("language", "method", "n")
    )
