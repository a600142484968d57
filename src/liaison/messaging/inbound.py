"""Messages that arrive from families: SMS (with the STOP/START/HELP keywords) and email replies."""

import email
import email.policy
import re
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from liaison.core import live
from liaison.messaging import optout, registry
from liaison.messaging.choices import Channel, ConversationStatus, SuppressionReason
from liaison.messaging.delivery import enqueue_delivery
from liaison.messaging.models import (
    Conversation,
    InboundReceipt,
    PossibleOptOut,
    Suppression,
    UnmatchedInbound,
)

START_WORDS = {"start", "unstop", "yes", "si", "comenzar", "inicio", "demarrer", "bat dau"}
AFFIRMATIVES = {"yes", "si"}  # START words that are also plain answers (an RSVP, a survey)
HELP_WORDS = {"help", "info", "ayuda", "aide", "ajuda", "ed", "tro giup", "caawin", "مساعدة", "帮助", "помощь", "도움"}  # fmt: skip

# What a family reads back, from the catalogues in their language (never machine translated, and
# with no portal link: it answers a text, and a number that just opted out gets nothing else).
STOP_CONFIRMATION = gettext_lazy(
    "%(sender)s: you will get no more text messages from us. Reply START to receive them again."
)
STOP_CONFIRMATION_UNKNOWN = gettext_lazy(
    "You will get no more text messages from this number. Reply START to receive them again."
)
START_CONFIRMATION = gettext_lazy(
    "%(sender)s: you will receive our text messages again. Reply STOP to stop."
)
HELP_TEXT = gettext_lazy(
    "%(sender)s family messages. Help: %(phone)s. Msg frequency varies. "
    "Msg & data rates may apply. Reply STOP to stop."
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").strip().casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def keyword_of(text: str) -> str | None:
    """The keyword a text is: "stop" (any known way of saying it, see optout.py), "start", "help"."""
    intent = optout.classify(text)
    if intent is not None and intent.kind == optout.STOP:
        return "stop"
    word = normalise(text)
    if word in {normalise(w) for w in START_WORDS}:
        return "start"
    if word in {normalise(w) for w in HELP_WORDS}:
        return "help"
    return None


def reply_language(language: str) -> str:
    """The language a confirmation is written in: the family's when the catalogues have it, else English."""
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def family_text(template, language: str, **values) -> tuple[str, str]:
    """(text, language): a catalogue sentence in the family's language (English when it has none)."""
    language = reply_language(language)
    with translation.override(language):
        return str(template) % values, language


def guardians_with_number(number: str):
    from liaison.people.models import Guardian

    return (
        Guardian.objects.filter(Q(phone=number) | Q(alt_phone=number), is_active=True)
        .select_related("household__district")
        .order_by("-household__conversations__last_message_at", "pk")
    )


def _consent_reply(guardian, number: str, template, *, district, **values) -> None:
    """A consent confirmation or HELP answer: by SMS to this number only, in the guardian's language.

    It is the one text that may go to a number that has just opted out (its confirmation), and it is
    sent at once, quiet hours or not: it answers what the family just sent. The text is written in
    the family's language from the catalogue and recorded as such, so the delivery sends it as it is
    (no machine translation, no "could not translate" note).
    """
    from liaison.messaging.choices import DeliveryState, Direction, MessageKind
    from liaison.messaging.models import Delivery, Message

    if guardian is None:
        return
    text, language = family_text(
        template, guardian.preferred_language, sender=district.name, **values
    )
    with transaction.atomic():
        message = Message.objects.create(
            district=district,
            direction=Direction.OUT,
            kind=MessageKind.NOTICE,
            notice_kind="consent",
            body=text,
            source_language=language,
            urgent=True,
            recipient_count=1,
        )
        Delivery.objects.create(
            message=message,
            guardian=guardian,
            household_id_copy=guardian.household_id,
            channel=Channel.SMS,
            address=number,
            language=language,
            state=DeliveryState.QUEUED,
            urgent=True,
        )
        transaction.on_commit(enqueue_delivery)


def confirm_opt_out(guardian, number: str) -> bool:
    """The one confirmation an SMS opt-out earns (never two for the same opt-out). True when it is
    owed now: sent to a guardian's number here, answered in the webhook's reply for an unknown one."""
    claimed = Suppression.objects.filter(
        channel=Channel.SMS, address=number, confirmed_at__isnull=True
    ).update(confirmed_at=timezone.now())
    if claimed and guardian is not None:
        _consent_reply(guardian, number, STOP_CONFIRMATION, district=guardian.household.district)
    return bool(claimed)


def handle_inbound_sms(*, sender: str, body: str, provider_id: str = "", media=()) -> dict:
    """Store a text from a family (or queue it as unmatched) and act on STOP/START/HELP and keywords.

    Returns {"outcome": "...", "message": Message | None, "reply": text to answer at once or ""}.
    A provider retrying the same webhook (same MessageSid) stores nothing new. A short text that
    may mean stop (optout.MAYBE) is stored as usual and flagged on the thread for a liaison.

    One transaction: the receipt that marks the MessageSid as seen commits with the text it
    stored, so a process killed between the two leaves neither, and the provider's retry (it
    retries what was not answered 2xx) stores the text instead of being turned away as a duplicate.
    """
    with transaction.atomic():
        return _handle_inbound_sms(sender=sender, body=body, provider_id=provider_id, media=media)


def _handle_inbound_sms(*, sender: str, body: str, provider_id: str, media) -> dict:
    from liaison.messaging import services

    if provider_id:
        try:
            with transaction.atomic():
                InboundReceipt.objects.create(provider_id=provider_id)
        except IntegrityError:
            return {"outcome": "duplicate", "message": None, "reply": ""}
    intent = optout.classify(body)
    keyword = keyword_of(body)
    guardians = list(guardians_with_number(sender))
    guardian = guardians[0] if guardians else None
    if keyword == "stop":
        opt_out_number(sender)
        message = _store(guardian, body, media, consumed=True)
        reply = ""
        # One confirmation, then nothing: never confirm twice for the same opt-out. A number we do
        # not know is answered in the webhook's reply, in the language it wrote in.
        if confirm_opt_out(guardian, sender) and guardian is None:
            language = intent.language if intent is not None else settings.LANGUAGE_CODE
            reply, _language = family_text(STOP_CONFIRMATION_UNKNOWN, language)
        return {"outcome": "stop", "message": message, "reply": reply}
    if keyword == "start" and normalise(body) in AFFIRMATIVES and not _opted_out(sender):
        keyword = None  # "YES"/"SÍ" from a number that never opted out is an answer, not START
    if keyword == "start":
        services.opt_in(channel=Channel.SMS, address=sender)
        message = _store(guardian, body, media, consumed=True)
        if guardian is not None:
            district = guardian.household.district
            _consent_reply(guardian, sender, START_CONFIRMATION, district=district)
        return {"outcome": "start", "message": message, "reply": ""}
    if keyword == "help":
        message = _store(guardian, body, media, consumed=True)
        if guardian is not None:
            district = guardian.household.district
            _consent_reply(
                guardian, sender, HELP_TEXT, district=district, phone=district.contact_phone or ""
            )
        return {"outcome": "help", "message": message, "reply": ""}
    if guardian is None:
        UnmatchedInbound.objects.create(
            sender=sender,
            body=body,
            provider_id=provider_id,
            channel=Channel.SMS,
            media=[item.as_pair() for item in media],
        )
        return {"outcome": "unmatched", "message": None, "reply": ""}
    message = services.record_family_reply(
        guardian=guardian, body=body, channel=Channel.SMS, attachments=media
    )
    if intent is not None and intent.kind == optout.MAYBE:
        PossibleOptOut.objects.get_or_create(message=message, defaults={"address": sender})
        live.changed(f"thread:{message.conversation_id}")
    for handler in registry.keyword_handlers():
        if handler(guardian, body, message):
            _not_awaiting(message)
            return {"outcome": "handled", "message": message, "reply": ""}
    return {"outcome": "stored", "message": message, "reply": ""}


def _opted_out(number: str) -> bool:
    return Suppression.objects.filter(
        channel=Channel.SMS, address=number, reason=SuppressionReason.OPT_OUT
    ).exists()


def opt_out_number(number: str, detail: str = "STOP"):
    from liaison.messaging.delivery import mark_unreachable

    with transaction.atomic():
        existed = Suppression.objects.filter(channel=Channel.SMS, address=number).exists()
        suppression = mark_unreachable(
            channel=Channel.SMS, address=number, reason=SuppressionReason.OPT_OUT, detail=detail
        )
        if suppression.reason != SuppressionReason.OPT_OUT:
            suppression.reason = SuppressionReason.OPT_OUT
            suppression.save(update_fields=["reason"])
    return suppression, not existed


def _store(guardian, body, media, *, consumed):
    from liaison.messaging import services

    if guardian is None:
        return None
    message = services.record_family_reply(
        guardian=guardian, body=body, channel=Channel.SMS, attachments=media
    )
    if consumed:
        _not_awaiting(message)
    return message


def _not_awaiting(message) -> None:
    """A text that a keyword answered needs no staff reply (unless something else was waiting)."""
    from liaison.messaging import services

    if Conversation.objects.filter(
        pk=message.conversation_id, awaiting_since=message.created_at
    ).update(awaiting_since=None):
        # The navigation's "awaiting reply" count read after the reply's own bump is stale now.
        services.thread_changed(message.conversation_id, message.conversation.district_id)


# --- email ---------------------------------------------------------------------------------------

QUOTE_HEADERS = [
    re.compile(r"^\s*On .{0,300}wrote:\s*$", re.I | re.M),
    re.compile(r"^\s*El .{0,300}escribi[oó]:\s*$", re.I | re.M),
    re.compile(r"^\s*Le .{0,300}a [ée]crit\s*:\s*$", re.I | re.M),
    re.compile(r"^\s*Em .{0,300}escreveu:\s*$", re.I | re.M),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.I | re.M),
    re.compile(r"^\s*From: .+$", re.M),
    re.compile(r"^_{10,}\s*$", re.M),
]
SIGNATURES = [
    re.compile(r"^-- ?$", re.M),
    re.compile(r"^Sent from my .+$", re.I | re.M),
    re.compile(r"^Enviado desde mi .+$", re.I | re.M),
    re.compile(r"^Get Outlook for .+$", re.I | re.M),
]


def strip_reply(text: str) -> str:
    """The new part of an email reply: quoted text and signatures removed."""
    text = (text or "").replace("\r\n", "\n")
    cut = len(text)
    for pattern in QUOTE_HEADERS + SIGNATURES:
        m = pattern.search(text)
        if m and m.start() < cut:
            cut = m.start()
    text = text[:cut]
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def _text_of(msg) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = re.sub(r"<(br|/p|/div)[^>]*>", "\n", content, flags=re.I)
        content = re.sub(r"<blockquote.*?</blockquote>", "", content, flags=re.I | re.S)
        content = re.sub(r"<[^>]+>", "", content)
    return content.replace("\x00", "")  # not text, and PostgreSQL cannot store it


def conversation_for_address(address: str) -> Conversation | None:
    local = (address or "").split("@")[0]
    prefix = settings.MESSAGING_REPLY_LOCALPART + "+"
    if not local.startswith(prefix):
        return None
    token = local[len(prefix) :]
    return Conversation.objects.filter(reply_token=token).select_related("household").first()


def _unsubscribe_target(address: str) -> tuple[str, str] | None:
    """(channel, address) that mail to a List-Unsubscribe mailto opts out: reply+unsubscribe-CODE@
    names an email delivery (tokens.unsubscribe_code); mail sent before the short code carried the
    whole signed token there instead."""
    from liaison.messaging.models import Delivery
    from liaison.messaging.tokens import read_unsubscribe_code, read_unsubscribe_token

    local = (address or "").split("@")[0]
    prefix = settings.MESSAGING_REPLY_LOCALPART + "+unsubscribe-"
    if not local.startswith(prefix):
        return None
    rest = local[len(prefix) :]
    delivery_id = read_unsubscribe_code(rest)
    if delivery_id is None:
        return read_unsubscribe_token(rest)
    row = Delivery.objects.filter(pk=delivery_id).values_list("channel", "address").first()
    return (row[0], row[1]) if row and row[1] else None


def handle_inbound_email(raw: bytes) -> dict:
    """Parse a raw email sent to a reply address; store it in that household's thread.

    Bounces (RFC 3464 delivery-status reports) mark the address unreachable when permanent (5.x.x).
    Attachments over MESSAGING_MAX_ATTACHMENT_BYTES are dropped (the message says so).
    """
    from email.utils import getaddresses, parseaddr

    from liaison.messaging import services
    from liaison.people.models import Guardian

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.get_content_type() == "multipart/report":
        return _handle_bounce(msg)
    recipients = [a for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
    recipients += [a for _, a in getaddresses(msg.get_all("Delivered-To", []))]
    for address in recipients:
        if parsed := _unsubscribe_target(address):
            services.opt_out(channel=parsed[0], address=parsed[1], detail="List-Unsubscribe")
            return {"outcome": "unsubscribed", "message": None}
    conversation = next(
        (c for c in (conversation_for_address(a) for a in recipients) if c is not None), None
    )
    sender = parseaddr(msg.get("From", ""))[1].lower().replace("\x00", "")[:254]
    if conversation is None:
        return {"outcome": "unknown_address", "message": None}
    guardian = (
        Guardian.objects.filter(household=conversation.household, is_active=True)
        .filter(Q(email__iexact=sender) | Q(alt_email__iexact=sender))
        .first()
    )
    if guardian is None:
        UnmatchedInbound.objects.create(
            district_id=conversation.district_id,
            channel=Channel.EMAIL,
            sender=sender,
            body=strip_reply(_text_of(msg)),
            provider_id=(msg.get("Message-ID") or "").replace("\x00", "")[:100],
        )
        return {"outcome": "unmatched", "message": None}
    limit = settings.MESSAGING_MAX_ATTACHMENT_BYTES
    attachments, dropped = [], []
    for part in msg.iter_attachments():
        content = part.get_payload(decode=True) or b""
        name = part.get_filename() or "attachment"
        if len(content) > limit:
            dropped.append(name)
            continue
        attachments.append((name, content, part.get_content_type()))
    body = strip_reply(_text_of(msg))
    if dropped:
        body += "\n\n[" + ", ".join(dropped) + ": too large, not kept]"
    message = services.record_family_reply(
        guardian=guardian,
        body=body,
        channel=Channel.EMAIL,
        attachments=attachments,
        provider_id=(msg.get("Message-ID") or "").replace("\x00", "").strip()[:100],
        conversation=conversation,
    )
    if conversation.status == ConversationStatus.DONE:
        Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.OPEN)
    return {"outcome": "stored", "message": message}


def _handle_bounce(msg) -> dict:
    from liaison.messaging.delivery import mark_unreachable

    status = ""
    recipient = ""
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            text = part.as_string()
            m = re.search(r"^Status:\s*([245]\.\d+\.\d+)", text, re.M | re.I)
            r = re.search(r"^Final-Recipient:\s*[^;]+;\s*(\S+)", text, re.M | re.I)
            status = m.group(1) if m else status
            recipient = r.group(1).lower() if r else recipient
    if status.startswith("5") and recipient:
        mark_unreachable(
            channel=Channel.EMAIL,
            address=recipient,
            reason=SuppressionReason.BOUNCE,
            detail=f"bounce {status}",
        )
        return {"outcome": "bounce", "message": None}
    return {"outcome": "report", "message": None}
