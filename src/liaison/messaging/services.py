"""Messaging's public API: every other app sends and receives family messages through these functions.

Staff → family:       send_message(household=, body=, by=)            the household's thread
Family → staff:       record_family_reply(guardian=, body=, channel=)  SMS/email inbound, the portal
One-way notices:      send_notice(guardians=, subject=, body=, by=, kind=, dedupe_key=...)
                      send_notices(district=, notices=[HouseholdNotice…], kind=) many at once
Announcements:        preview_announcement(...), send_announcement(...) with an Audience
Consent:              opt_out(...), opt_in(...), is_opted_out(...)
Delivery care:        retry_delivery(...), switch_channel(...), record_delivery_status(...)
Extension points:     register_keyword_handler, register_audience_source, set_portal_link_builder
                      (re-exported from liaison.messaging.registry)

Every send writes the message and its deliveries (the outbox) and enqueues the delivery task on
commit; the delivery table, not the task queue, is the truth (see delivery.py). Contact-restricted
and inactive guardians never get a delivery; opt-outs, quiet hours and restrictions are checked
again when each delivery is handed to its channel.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core import live
from liaison.core.db import insert_new_rows, insert_rows, rows_where_in, update_rows
from liaison.core.policy import messaging as mpolicy
from liaison.language.rendering import untranslatable
from liaison.language.services import save_district_template
from liaison.language.services import stored_staff_translations as translate_stored
from liaison.messaging import inbound, outbox
from liaison.messaging.audiences import UNREACHABLE_REASONS, Audience
from liaison.messaging.choices import (
    Channel,
    ConversationStatus,
    DeliveryState,
    Direction,
    FailureReason,
    MessageKind,
    MessageState,
    SuppressionReason,
)
from liaison.messaging.delivery import deliveries_changed, enqueue_delivery, mark_unreachable
from liaison.messaging.models import (
    Attachment,
    Conversation,
    ConversationRead,
    Delivery,
    Message,
    PossibleOptOut,
    SavedReply,
    Suppression,
)
from liaison.messaging.registry import (
    audience_sources,
    keyword_handlers,
    register_audience_source,
    register_keyword_handler,
    set_portal_link_builder,
)

__all__ = [
    "Audience",
    "HouseholdNotice",
    "Preview",
    "assign_conversation",
    "attach_unmatched",
    "audience_sources",
    "cancel_scheduled",
    "conversation_for",
    "conversation_for_reply",
    "family_messages",
    "is_opted_out",
    "keyword_handlers",
    "mark_conversation_done",
    "mark_read",
    "message_previews",
    "opt_in",
    "opt_out",
    "opt_out_on_request",
    "preview_announcement",
    "record_delivery_status",
    "record_family_reply",
    "register_audience_source",
    "register_keyword_handler",
    "retry_delivery",
    "save_reply",
    "send_announcement",
    "send_message",
    "send_notice",
    "send_notices",
    "set_portal_link_builder",
    "shared_threads",
    "switch_channel",
    "unread_count",
]


def _kick_delivery() -> None:
    """Enqueue the delivery task once the transaction commits (a lost task is harmless: see delivery.deliver_due)."""
    transaction.on_commit(enqueue_delivery)


def _kick_fanout(message_id: int) -> None:
    transaction.on_commit(lambda: prepare_message_task.enqueue(message_id))


def thread_changed(conversation_id: int | None, district_id: int | None = None) -> None:
    """Open pages showing this thread (and, with `district_id`, the district's inboxes) refresh
    once the transaction commits (core/live.py)."""
    topics = [f"thread:{conversation_id}"] if conversation_id else []
    if district_id:
        topics += [f"inbox:{district_id}", "inbox:all"]
    live.changed(*topics)


def _save_attachments(message: Message, attachments) -> None:
    """attachments: UploadedFile objects, (name, bytes, content_type) tuples, or RemoteMedia (an
    MMS item the provider holds, fetched after the commit)."""
    from liaison.messaging.media import RemoteMedia, keep

    limit = settings.MESSAGING_MAX_ATTACHMENT_BYTES
    for item in attachments or ():
        if isinstance(item, RemoteMedia):
            keep(message, [item])
            continue
        if isinstance(item, tuple):
            name, content, content_type = item
            size = len(content)
            if size > limit:
                continue
            file = ContentFile(content, name=name)
        else:
            name, size, content_type = item.name, item.size, getattr(item, "content_type", "")
            if size > limit:
                continue
            file = item
        Attachment.objects.create(
            message=message, file=file, name=name[:200], content_type=content_type or "", size=size
        )


# --- conversations -------------------------------------------------------------------------------


def conversation_for(household, staff=None) -> Conversation:
    """The household's shared thread, or with `staff` that person's own thread with the family;
    made on first use (safe when two requests make it at once)."""
    found = Conversation.objects.filter(household=household, staff=staff).first()
    if found is None:
        try:
            with transaction.atomic():
                return Conversation.objects.create(
                    household=household,
                    district_id=household.district_id,
                    staff=staff,
                    # A member of staff's own thread is theirs to answer.
                    assigned_to=staff,
                )
        except IntegrityError:
            found = Conversation.objects.get(household=household, staff=staff)
    # The thread's household is the one given (with what it was read with): not read again.
    found.household = household
    return found


def conversation_for_reply(guardian, channel: str) -> Conversation:
    """Where a family's text or message with no thread of its own belongs: the thread that last
    wrote to this guardian on this channel (a teacher's text is answered to the teacher), else the
    household's shared thread."""
    last = (
        Delivery.objects.filter(
            guardian=guardian,
            channel=channel,
            message__kind=MessageKind.CONVERSATION,
            message__conversation__household_id=guardian.household_id,
        )
        .order_by("-created_at", "-pk")
        .values_list("message__conversation_id", flat=True)
        .first()
    )
    if last:
        return Conversation.objects.get(pk=last)
    return conversation_for(guardian.household)


def send_message(
    *,
    household,
    body: str,
    by,
    subject: str = "",
    attachments=(),
    conversation=None,
    send_at=None,
    template: str = "",
    context: dict | None = None,
) -> Message:
    """Staff write to a household: one delivery per reachable guardian, on that guardian's channel.

    The message goes in `conversation` (one of this household's threads) or the shared thread.
    Contact-restricted and inactive guardians get nothing. Returns the Message (its deliveries are
    already written when this returns). With `send_at` in the future the deliveries wait in the
    outbox until then (the worker claims only rows due: see delivery.py) and the family's portal
    shows nothing before it; cancel_scheduled() stops it. `template` and `context` name the saved
    reply the text came from, so that each language gets the reply's approved translation.
    """
    if send_at is not None and send_at <= timezone.now():
        send_at = None  # a time already past: now
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    from liaison.people.models import Guardian

    if conversation is not None and conversation.household_id != household.pk:
        raise ValueError("that thread belongs to another household")
    with transaction.atomic():
        conversation = conversation or conversation_for(household)
        message = Message.objects.create(
            district_id=household.district_id,
            conversation=conversation,
            direction=Direction.OUT,
            kind=MessageKind.CONVERSATION,
            subject=subject[:200],
            body=body,
            source_language=_staff_language(by, household),
            sent_by=by,
            send_at=send_at,
            template=template[:100],
            context=context or {},
        )
        _save_attachments(message, attachments)
        guardians = Guardian.objects.filter(household=household)
        message.recipient_count = outbox.write_deliveries(message, guardians, batched=False)
        message.save(update_fields=["recipient_count"])
        now = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=now, awaiting_since=None, status=ConversationStatus.OPEN
        )
        if by is not None:
            mark_read(conversation=conversation, user=by, at=now)
        _kick_delivery()
        thread_changed(conversation.pk, household.district_id)
    return message


def _staff_language(user, household=None) -> str:
    return (getattr(user, "interface_language", "") or "en") if user else "en"


def record_family_reply(
    *,
    guardian,
    body: str,
    channel: str,
    attachments=(),
    received_at=None,
    provider_id: str = "",
    conversation=None,
) -> Message:
    """A family member wrote (SMS, email or portal): it lands in a thread, awaiting staff.

    The thread is `conversation` (an email's reply address, the portal thread they answered in),
    or for a text the thread that last wrote to them (conversation_for_reply).
    `provider_id` (the SMS/email id) makes a webhook the provider retries store nothing new.
    Keyword handlers (RSVPs, "I didn't understand") see SMS texts; see handle_inbound_sms.
    """
    received_at = received_at or timezone.now()
    with transaction.atomic():
        if provider_id:
            from liaison.messaging.models import InboundReceipt

            try:
                with transaction.atomic():
                    InboundReceipt.objects.create(provider_id=provider_id)
            except IntegrityError:
                existing = Message.objects.filter(
                    guardian=guardian, direction=Direction.IN, related_id=provider_id
                ).first()
                if existing:
                    return existing
        if conversation is None or conversation.household_id != guardian.household_id:
            conversation = conversation_for_reply(guardian, channel)
        message = Message.objects.create(
            district_id=guardian.household.district_id,
            conversation=conversation,
            direction=Direction.IN,
            kind=MessageKind.CONVERSATION,
            state=MessageState.RECEIVED,
            body=(body or "").strip(),
            source_language=guardian.preferred_language,
            guardian=guardian,
            channel=channel,
            related_type="provider" if provider_id else "",
            related_id=provider_id[:60],
            created_at=received_at,
        )
        _save_attachments(message, attachments)
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=received_at,
            awaiting_since=conversation.awaiting_since or received_at,
            status=ConversationStatus.OPEN,
        )
        thread_changed(conversation.pk, guardian.household.district_id)
    return message


def mark_read(*, conversation, user, at=None) -> None:
    at = at or timezone.now()
    # The person's inbox, kept drawn (messaging.views), shows what they have read.
    live.changed(f"reads:{user.pk}")
    updated = ConversationRead.objects.filter(conversation=conversation, user=user).update(
        read_at=at
    )
    if not updated:
        try:
            with transaction.atomic():
                ConversationRead.objects.create(conversation=conversation, user=user, read_at=at)
        except IntegrityError:
            pass


def unread_count(user) -> int:
    """How many open threads in this person's inbox hold a family message they have not read (the
    navigation's unread badge): one query."""
    if not user.is_authenticated or not mpolicy.can_use_inbox(user):
        return 0
    return (
        Conversation.objects.visible_to(user)
        .filter(status=ConversationStatus.OPEN, last_message_at__isnull=False)
        .unread_by(user)
        .count()
    )


PREVIEW_COLUMNS = (
    "pk",
    "body",
    "subject",
    "direction",
    "source_language",
    "district_id",
    "send_at",
)


def message_previews(conversations, user, *, length: int = 100, messages=None) -> None:
    """Set `preview` (the first `length` characters of the newest message, a family's in the
    reader's language when the translation memory holds it) and `preview_from_family` on each
    conversation annotated by `with_latest_message()`: two or three queries for the whole list.
    `messages`: those newest messages, already read by the caller (PREVIEW_COLUMNS)."""
    if messages is None:
        ids = [c.latest_message_id for c in conversations if c.latest_message_id]
        messages = Message.objects.filter(pk__in=ids).only(*PREVIEW_COLUMNS)
    latest = {m.pk: m for m in messages}
    translated = translate_stored(latest.values(), getattr(user, "interface_language", "") or "en")
    for c in conversations:
        m = latest.get(c.latest_message_id)
        text = translated.get(m.pk, m.body) if m else ""
        text = " ".join((text or (m.subject if m else "")).split())
        c.preview = text if len(text) <= length else text[: length - 1].rstrip() + "…"
        c.preview_from_family = bool(m and m.direction == Direction.IN)
        c.preview_translated = bool(m and m.pk in translated)


def assign_conversation(*, conversation, to, by) -> Conversation:
    conversation.assigned_to = to
    conversation.save(update_fields=["assigned_to"])
    thread_changed(None, conversation.household.district_id)
    return conversation


def mark_conversation_done(*, conversation, by) -> Conversation:
    conversation.status = ConversationStatus.DONE
    conversation.awaiting_since = None
    conversation.save(update_fields=["status", "awaiting_since"])
    thread_changed(None, conversation.household.district_id)
    return conversation


# --- saved replies -------------------------------------------------------------------------------


@transaction.atomic
def save_reply(*, district, name: str, body: str, by, reply=None, is_active: bool = True):
    """Make or change a district's saved reply; its text is a district template (language), so
    changed text asks the translators again (save_district_template drops the old translations)."""
    template = save_district_template(
        district=district,
        name=name,
        body=body,
        by=by,
        template=reply.template if reply is not None else None,
        slug_prefix="reply",
    )
    if reply is None:
        return SavedReply.objects.create(
            district=district, template=template, is_active=is_active, created_by=by
        )
    reply.is_active = is_active
    reply.save(update_fields=["is_active"])
    return reply


# --- one-way notices -----------------------------------------------------------------------------


def send_notice(
    *,
    guardians,
    subject: str,
    body: str,
    by,
    kind: str,
    urgent: bool = False,
    send_at=None,
    source_language: str = "en",
    template=None,
    context: dict | None = None,
    dedupe_key: str | None = None,
    related=None,
    conversation=None,
) -> Message:
    """A one-way notice (invitation, reminder, referral details...) to a set of guardians.

    guardians: a Guardian queryset or an iterable of Guardians / ids, all in one district.
    dedupe_key: the same key twice returns the first Message and writes nothing (a unique constraint
    on Message.dedupe_key decides, so two concurrent calls cannot both send).
    related: any model instance the notice is about (kept as type + id, shown on the timeline).
    template/context: passed to the language app's render_message (rendered once per language).
    conversation: a household's thread to write the notice in (an attendance nudge), so that the
    family's answer by text, email or the portal lands beside it; it does not answer a message the
    family is waiting on (the thread keeps awaiting a person).
    """
    from liaison.people.models import Guardian

    if hasattr(guardians, "values_list"):
        ids = list(guardians.values_list("pk", flat=True))
    else:
        ids = [g if isinstance(g, int) else g.pk for g in guardians]
    if not ids:
        raise ValidationError(_("A notice needs at least one guardian."))
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    district_id = (
        Guardian.objects.filter(pk__in=ids[:1]).values_list("household__district_id", flat=True)
    )[0]
    qs = Guardian.objects.filter(pk__in=ids, household__district_id=district_id)
    big = len(ids) > settings.MESSAGING_INLINE_FANOUT
    try:
        with transaction.atomic():
            message = Message.objects.create(
                district_id=district_id,
                conversation=conversation,
                direction=Direction.OUT,
                kind=MessageKind.CONVERSATION if conversation is not None else MessageKind.NOTICE,
                notice_kind=str(kind)[:40],
                state=MessageState.PREPARING if big else MessageState.QUEUED,
                subject=(subject or "")[:200],
                body=body,
                source_language=source_language or "en",
                template=str(getattr(template, "pk", template) or "")[:100],
                context=context or {},
                urgent=urgent,
                send_at=send_at,
                sent_by=by,
                dedupe_key=dedupe_key or None,
                related_type=_related_type(related),
                related_id=str(getattr(related, "pk", "") or "")[:60],
                audience={"guardian_ids": ids},
            )
            if big:
                _kick_fanout(message.pk)
            else:
                message.recipient_count = outbox.write_deliveries(message, qs, batched=False)
                message.save(update_fields=["recipient_count"])
                _kick_delivery()
            if conversation is not None:
                Conversation.objects.filter(pk=conversation.pk).update(
                    last_message_at=message.created_at
                )
    except IntegrityError:
        if dedupe_key:
            return Message.objects.get(dedupe_key=dedupe_key)
        raise
    return message


@dataclass
class HouseholdNotice:
    """One household's notice in send_notices: its own words, for some of its guardians."""

    household_id: int
    guardian_ids: list[int]
    subject: str
    body: str
    context: dict  # a wording context (language.wordings): worded in each guardian's language
    dedupe_key: str
    send_at: dt.datetime | None = None
    related_type: str = ""
    related_id: str = ""
    message_id: int | None = None  # set by send_notices, or given (reserve_ids)


def shared_threads(*, district_id: int, household_ids) -> dict[int, int]:
    """Each household's shared thread id, made where missing, in three statements whatever their
    number (conversation_for, for many households; safe when another process makes one at once)."""
    return _shared_threads(district_id, household_ids)[0]


def _shared_threads(
    district_id: int, household_ids, first_message_at=None
) -> tuple[dict[int, int], set[int]]:
    """shared_threads, and the ids of the threads it made (starting with a message written at
    `first_message_at`, so that they need no update afterwards)."""
    ids = sorted(set(household_ids))
    found = {
        h: pk
        for h, pk, staff in rows_where_in(
            Conversation, ["household_id", "id", "staff_id"], "household_id", ids
        )
        if staff is None
    }
    missing = [h for h in ids if h not in found]
    made: dict[int, int] = {}
    if missing:
        now = timezone.now()
        made = dict(
            insert_new_rows(
                Conversation,
                [
                    "district_id",
                    "household_id",
                    "reply_token",
                    "status",
                    "created_at",
                    "last_message_at",
                ],
                [
                    (district_id, h, _reply_token(), ConversationStatus.OPEN, now, first_message_at)
                    for h in missing
                ],
                returning="household_id",
            )
        )
        found.update(made)
        if len(made) < len(missing):  # another process made some of them first
            found.update(
                Conversation.objects.filter(
                    household_id__in=[h for h in missing if h not in found], staff__isnull=True
                ).values_list("household_id", "pk")
            )
    return found, set(made.values())


def _reply_token() -> str:
    return Conversation._meta.get_field("reply_token").get_default()


def send_notices(*, district, notices: list[HouseholdNotice], kind: str) -> list[int | None]:
    """Many households' notices at once, each written in its household's shared thread (so the
    family's answer lands beside it), in one transaction and a handful of statements whatever
    their number: the messages, their renderings and their deliveries (outbox.write_worded_notices,
    the announcements' insert), then one delivery kick. The texts must be worded by the system
    (a wording context), so that each language's text is made without an engine.

    Returns the id of each notice's Message in order, None where its dedupe key was already used
    (sent once, as send_notice). A notice naming no guardian is refused, as by send_notice. When
    every notice comes with a `message_id` (drawn by core.db.reserve_ids, so that rows pointing at
    the messages could be written first), the messages are written under those ids."""
    if any(not n.guardian_ids for n in notices):
        raise ValidationError(_("A notice needs at least one guardian."))
    with transaction.atomic():
        used = {
            key
            for (key,) in rows_where_in(
                Message, ["dedupe_key"], "dedupe_key", [n.dedupe_key for n in notices]
            )
        }
        fresh = [n for n in notices if n.dedupe_key not in used]
        if not fresh:
            return [None for _n in notices]
        now = timezone.now()
        threads, made_now = _shared_threads(district.pk, [n.household_id for n in fresh], now)
        columns = [
            "district_id",
            "conversation_id",
            "direction",
            "kind",
            "notice_kind",
            "state",
            "subject",
            "body",
            "source_language",
            "template",
            "context",
            "urgent",
            "send_at",
            "channel",
            "dedupe_key",
            "related_type",
            "related_id",
            "audience",
            "recipient_count",
            "created_at",
        ]
        preset = all(n.message_id is not None for n in fresh)
        if preset:
            columns.append("id")
        made = dict(
            insert_rows(
                Message,
                columns,
                [
                    (
                        district.pk,
                        threads[n.household_id],
                        Direction.OUT,
                        MessageKind.CONVERSATION,
                        str(kind)[:40],
                        MessageState.QUEUED,
                        (n.subject or "")[:200],
                        n.body,
                        "en",
                        "",
                        n.context,
                        False,
                        n.send_at,
                        "",
                        n.dedupe_key,
                        n.related_type,
                        n.related_id[:60],
                        {"guardian_ids": list(n.guardian_ids)},
                        len(n.guardian_ids),
                        now,
                        *([n.message_id] if preset else []),
                    )
                    for n in fresh
                ],
                returning="dedupe_key",
            )
        )
        for n in fresh:
            n.message_id = made[n.dedupe_key]
        outbox.write_worded_notices(Message(district=district, source_language="en"), fresh)
        # Threads made just now already carry the time of their first message.
        update_rows(
            Conversation,
            ["last_message_at"],
            [(now, pk) for pk in sorted(set(threads.values()) - made_now)],
        )
        _kick_delivery()
    return [made.get(n.dedupe_key) for n in notices]


def _related_type(obj) -> str:
    if obj is None:
        return ""
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}"


# --- announcements -------------------------------------------------------------------------------


@dataclass
class Preview:
    total: int = 0
    reachable: int = 0
    by_language: list = field(default_factory=list)  # [(tag, count)] most first
    by_channel: list = field(default_factory=list)  # [(channel, count)]
    unreachable: list = field(default_factory=list)  # [(reason label, count, [guardian sample])]
    quiet_now: int = 0  # SMS recipients in quiet hours now (held until morning unless urgent)
    # Guardians who would get the original with a note: nothing translates into their language.
    untranslated: int = 0
    untranslated_languages: list = field(default_factory=list)  # [(tag, count)]


def announcement_families(*, district, audience: Audience, user=None) -> int:
    """How many families (households) an announcement's audience selects."""
    return (
        audience.guardians(district=district, user=user).values("household_id").distinct().count()
    )


def preview_announcement(
    *,
    district,
    audience: Audience,
    user=None,
    urgent=False,
    subject: str = "",
    body: str = "",
    source_language: str = "en",
) -> Preview:
    """How many guardians an announcement reaches, in which language, on which channel, who not and
    why, and (given its text) how many would get it untranslated."""
    qs = audience.guardians(district=district, user=user)
    rows = list(qs.values_list(*outbox.GUARDIAN_FIELDS))
    preview = Preview(total=len(rows))
    reachable = [r for r in rows if not r[7] and r[8]]
    restricted = [r for r in rows if r[7]]
    inactive = [r for r in rows if not r[7] and not r[8]]
    blocked_sms, blocked_email = outbox.blocked_addresses(
        [r[2] for r in reachable], [r[3] for r in reachable]
    )
    languages, chans = Counter(), Counter()
    portal_only = []
    start, end = outbox.quiet_hours(district)
    now = timezone.now()
    for r in reachable:
        channel, _address = outbox.choose_channel(r[4], r[2], r[3], blocked_sms, blocked_email)
        chans[channel] += 1
        languages[r[5] or "en"] += 1
        if channel == Channel.PORTAL:
            portal_only.append(r[0])
        tz = outbox.zone(r[6] or r[9] or r[10])
        if channel == Channel.SMS and not urgent and outbox.quiet_until(now, tz, start, end):
            preview.quiet_now += 1
    preview.reachable = len(reachable)
    preview.by_language = languages.most_common()
    preview.by_channel = chans.most_common()
    if body.strip() and languages:
        lost = set(
            untranslatable(
                district=district,
                subject=subject,
                body=body,
                source_language=source_language,
                languages=list(languages),
            )
        )
        preview.untranslated_languages = [(t, n) for t, n in languages.most_common() if t in lost]
        preview.untranslated = sum(n for _t, n in preview.untranslated_languages)
    from liaison.people.models import Guardian

    def sample(ids):
        return list(Guardian.objects.filter(pk__in=ids[:20]).select_related("household"))

    if restricted:
        preview.unreachable.append(
            (UNREACHABLE_REASONS["restricted"], len(restricted), sample([r[0] for r in restricted]))
        )
    if inactive:
        preview.unreachable.append(
            (UNREACHABLE_REASONS["inactive"], len(inactive), sample([r[0] for r in inactive]))
        )
    if portal_only:
        preview.unreachable.append(
            (
                _("Portal only: no phone or email we may use (opted out, bounced or missing)"),
                len(portal_only),
                sample(portal_only),
            )
        )
    return preview


def send_announcement(
    *,
    district,
    audience: Audience,
    subject: str,
    body: str,
    by,
    urgent: bool = False,
    send_at=None,
    source_language: str = "en",
    hold_untranslated: bool = False,
) -> Message:
    """Write the announcement now; its deliveries are written in short batches by a task.

    Urgent announcements (closures, safety) are sent in quiet hours too. `send_at` in the future
    schedules it: deliveries are written at once but not handed over before then.
    hold_untranslated: families whose language nothing can translate into wait for a person's
    approved translation instead of getting the original with a note.
    """
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the announcement.")})
    if send_at and send_at < timezone.now() - dt.timedelta(minutes=5):
        raise ValidationError({"send_at": _("Choose a time in the future.")})
    with transaction.atomic():
        message = Message.objects.create(
            district=district,
            direction=Direction.OUT,
            kind=MessageKind.ANNOUNCEMENT,
            state=MessageState.PREPARING,
            subject=(subject or "")[:200],
            body=body.strip(),
            source_language=source_language or "en",
            urgent=urgent,
            send_at=send_at,
            sent_by=by,
            audience=audience.as_dict() | {"sender_id": getattr(by, "pk", None)},
            context={outbox.HOLD_UNTRANSLATED: True} if hold_untranslated else {},
        )
        _kick_fanout(message.pk)
    return message


def prepare_message(message_id: int) -> Message:
    """Write a large message's deliveries in batches (the task behind send_announcement). Re-runnable."""
    from liaison.people.models import Guardian, User

    message = Message.objects.select_related("district").get(pk=message_id)
    if message.state != MessageState.PREPARING:
        return message
    spec = dict(message.audience or {})
    if message.kind == MessageKind.NOTICE:
        qs = Guardian.objects.filter(
            pk__in=spec.get("guardian_ids", []), household__district_id=message.district_id
        )
    else:
        sender = User.objects.filter(pk=spec.pop("sender_id", None)).first()
        qs = Audience.from_dict(spec).guardians(district=message.district, user=sender)
    outbox.write_deliveries(message, qs, batched=True)
    outbox.finish_preparing(message)
    enqueue_delivery()
    return message


@task()
def prepare_message_task(message_id: int) -> int:
    """Background entry point of prepare_message (beside it: see events.services for the pattern)."""
    return prepare_message(message_id).recipient_count


def cancel_scheduled(*, message, by) -> int:
    """Stop a one-to-one message scheduled for later, before it goes: its deliveries still
    waiting are cancelled (a delivery a worker has already claimed goes). Returns how many were
    stopped; a message whose time has come is not touched (ValidationError)."""
    if message.send_at is None or message.send_at <= timezone.now():
        raise ValidationError(_("This message has already been sent."))
    if message.state == MessageState.CANCELLED:
        return 0
    return cancel_message(message=message, by=by)


def cancel_message(*, message, by) -> int:
    """Stop what has not been handed over yet (a scheduled announcement changed its mind)."""
    with transaction.atomic():
        n = Delivery.objects.filter(message=message, state=DeliveryState.QUEUED).update(
            state=DeliveryState.CANCELLED, updated_at=timezone.now()
        )
        Message.objects.filter(pk=message.pk).update(state=MessageState.CANCELLED)
        thread_changed(message.conversation_id)
        # An announcement's rows belong to many families: every household page of the district.
        deliveries_changed([(message.district_id, None)])
    return n


# --- consent -------------------------------------------------------------------------------------


def opt_out(*, channel: str, address: str, reason: str = SuppressionReason.OPT_OUT, detail=""):
    """Opt an address out of a channel now; queued deliveries to it are stopped too."""
    address = address.lower() if channel == Channel.EMAIL else address
    with transaction.atomic():
        return mark_unreachable(channel=channel, address=address, reason=reason, detail=detail)


def opt_out_on_request(*, flag: PossibleOptOut, by) -> Suppression:
    """A liaison honours a family's text that may have meant "stop" (one tap on the thread): the
    number it came from is opted out of texts and the family gets the usual one confirmation."""
    with transaction.atomic():
        suppression, _created = inbound.opt_out_number(flag.address, detail="asked by text")
        PossibleOptOut.objects.filter(pk=flag.pk, opted_out_at__isnull=True).update(
            opted_out_at=timezone.now(), opted_out_by=by
        )
        inbound.confirm_opt_out(flag.message.guardian, flag.address)
        thread_changed(flag.message.conversation_id)
    return suppression


def opt_in(*, channel: str, address: str) -> bool:
    """START/UNSTOP: only an opt-out is lifted this way (a bounce or a rejection stays)."""
    address = address.lower() if channel == Channel.EMAIL else address
    n, _ = Suppression.objects.filter(
        channel=channel, address=address, reason=SuppressionReason.OPT_OUT
    ).delete()
    return bool(n)


def is_opted_out(*, channel: str, address: str) -> bool:
    address = address.lower() if channel == Channel.EMAIL else address
    return Suppression.objects.filter(channel=channel, address=address).exists()


# --- delivery care -------------------------------------------------------------------------------


def retry_delivery(*, delivery, by) -> Delivery:
    """Staff send a failed delivery again on the same channel."""
    if delivery.state not in (DeliveryState.FAILED, DeliveryState.SUPPRESSED):
        raise ValidationError(_("Only a failed delivery can be retried."))
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, state=delivery.state).update(
            state=DeliveryState.QUEUED,
            next_attempt_at=timezone.now(),
            attempts=0,
            error="",
            lease_owner="",
            updated_at=timezone.now(),
        )
        _kick_delivery()
        thread_changed(delivery.message.conversation_id)
        deliveries_changed([(delivery.message.district_id, delivery.household_id_copy)])
    delivery.refresh_from_db()
    return delivery


def switch_channel(*, delivery, channel: str, by) -> Delivery:
    """Staff send a failed delivery on another channel: a new row, the failed one stays as it was."""
    guardian = delivery.guardian
    address = {Channel.SMS: guardian.phone, Channel.EMAIL: guardian.email.lower()}.get(channel, "")
    if channel in (Channel.SMS, Channel.EMAIL) and not address:
        raise ValidationError(_("This guardian has no address for that channel."))
    if guardian.contact_restricted:
        raise ValidationError(_("This guardian is under a contact restriction."))
    if channel in (Channel.SMS, Channel.EMAIL) and is_opted_out(channel=channel, address=address):
        raise ValidationError(_("This guardian has opted out of that channel."))
    with transaction.atomic():
        new, _created = Delivery.objects.get_or_create(
            message=delivery.message,
            guardian=guardian,
            channel=channel,
            defaults={
                "household_id_copy": delivery.household_id_copy,
                "address": address,
                "language": delivery.language,
                "urgent": delivery.urgent,
                "needs_follow_up": delivery.needs_follow_up,
            },
        )
        if not _created and new.state in (DeliveryState.FAILED, DeliveryState.SUPPRESSED):
            return retry_delivery(delivery=new, by=by)
        _kick_delivery()
        thread_changed(delivery.message.conversation_id)
    return new


def retry_failed(*, message, reason: str, by) -> int:
    """Send an announcement's failed deliveries with this failure reason again, on the same
    channel ("Retry all"). Returns how many were queued."""
    with transaction.atomic():
        count = (
            Delivery.objects.filter(message=message, state=DeliveryState.FAILED, failure=reason)
            .exclude(failure=FailureReason.OPTED_OUT)
            .update(
                state=DeliveryState.QUEUED,
                next_attempt_at=timezone.now(),
                attempts=0,
                error="",
                failure="",
                lease_owner="",
                updated_at=timezone.now(),
            )
        )
        if count:
            _kick_delivery()
    return count


def switch_failed(*, message, reason: str, by) -> tuple[int, int]:
    """Send an announcement's failed texts with this reason by email, and failed emails by text
    ("Switch these to another channel"). Guardians with no address there, under a contact
    restriction or opted out of it are left as they are. Returns (switched, left)."""
    failed = list(
        Delivery.objects.filter(
            message=message,
            state=DeliveryState.FAILED,
            failure=reason,
            channel__in=[Channel.SMS, Channel.EMAIL],
        ).select_related("guardian")
    )
    wanted = {}
    for d in failed:
        channel = Channel.EMAIL if d.channel == Channel.SMS else Channel.SMS
        g = d.guardian
        address = g.phone if channel == Channel.SMS else g.email.lower()
        if address and not g.contact_restricted and g.is_active:
            wanted[(g.pk, channel)] = (d, address)
    blocked = set(
        Suppression.objects.filter(
            Q(
                channel=Channel.SMS,
                address__in=[a for (_g, c), (_d, a) in wanted.items() if c == "sms"],
            )
            | Q(
                channel=Channel.EMAIL,
                address__in=[a for (_g, c), (_d, a) in wanted.items() if c == "email"],
            )
        ).values_list("channel", "address")
    )
    wanted = {k: v for k, v in wanted.items() if (k[1], v[1]) not in blocked}
    existing = {
        (gid, ch): state
        for gid, ch, state in Delivery.objects.filter(
            message=message, guardian_id__in={g for g, _c in wanted}
        ).values_list("guardian_id", "channel", "state")
    }
    now = timezone.now()
    new = [
        Delivery(
            message=message,
            guardian_id=gid,
            household_id_copy=d.household_id_copy,
            channel=channel,
            address=address,
            language=d.language,
            urgent=d.urgent,
            needs_follow_up=d.needs_follow_up,
            next_attempt_at=now,
        )
        for (gid, channel), (d, address) in wanted.items()
        if (gid, channel) not in existing
    ]
    again = [
        (gid, channel)
        for (gid, channel) in wanted
        if existing.get((gid, channel)) in (DeliveryState.FAILED, DeliveryState.SUPPRESSED)
    ]
    with transaction.atomic():
        Delivery.objects.bulk_create(new, ignore_conflicts=True)
        requeued = 0
        for channel in (Channel.SMS, Channel.EMAIL):
            ids = [gid for gid, c in again if c == channel]
            if ids:
                requeued += Delivery.objects.filter(
                    message=message, channel=channel, guardian_id__in=ids
                ).update(
                    state=DeliveryState.QUEUED,
                    next_attempt_at=now,
                    attempts=0,
                    error="",
                    failure="",
                    lease_owner="",
                    updated_at=now,
                )
        if new or requeued:
            _kick_delivery()
    switched = len(new) + requeued
    return switched, len(failed) - switched


# Twilio MessageStatus values, and what they make of a delivery.
_STATUS = {
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.DELIVERED,
    "undelivered": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
}
_PERMANENT_CODES = {"21211", "21612", "21614", "30003", "30005", "30006"}


def record_delivery_status(
    *, provider_id: str, status: str, error_code: str = "", detail: str = ""
) -> Delivery | None:
    """A provider status callback (delivered, undelivered, failed, bounced): update the row.

    A carrier rejection (permanent error code) or a hard bounce marks the address unreachable.
    """
    delivery = Delivery.objects.filter(provider_id=provider_id).select_related("message").first()
    if delivery is None:
        return None
    status = (status or "").lower()
    now = timezone.now()
    new_state = DeliveryState.FAILED if status == "bounced" else _STATUS.get(status)
    if new_state is None:
        return delivery
    fields = {"state": new_state, "updated_at": now}
    if new_state == DeliveryState.DELIVERED:
        fields["delivered_at"] = now
    else:
        fields["error"] = (detail or f"{status} {error_code}").strip()[:500]
    Delivery.objects.filter(pk=delivery.pk).exclude(state=DeliveryState.DELIVERED).update(**fields)
    thread_changed(delivery.message.conversation_id)
    deliveries_changed([(delivery.message.district_id, delivery.household_id_copy)])
    permanent = status == "bounced" or str(error_code) in _PERMANENT_CODES
    if new_state == DeliveryState.FAILED and permanent and delivery.address:
        mark_unreachable(
            channel=delivery.channel,
            address=delivery.address,
            reason=SuppressionReason.BOUNCE
            if delivery.channel == Channel.EMAIL
            else SuppressionReason.REJECTED,
            detail=fields.get("error", ""),
        )
    delivery.refresh_from_db()
    return delivery


def family_messages(*, guardian, limit: int = 50) -> list[Message]:
    """What a guardian sees in the portal: the household thread and the notices and announcements
    sent to them, newest first, each with `.text_subject` / `.text_body` in the guardian's language
    (when a rendering exists) and `.needs_follow_up`. Nothing for a contact-restricted guardian."""
    from django.db.models import Q

    from liaison.messaging.models import Rendering

    if guardian.contact_restricted or not guardian.is_active:
        return []
    messages = list(
        Message.objects.filter(
            Q(conversation__household_id=guardian.household_id, kind=MessageKind.CONVERSATION)
            | Q(deliveries__guardian=guardian)
        )
        .exclude(notice_kind="consent")
        .distinct()
        .select_related("guardian", "sent_by")
        .order_by("-created_at")[:limit]
    )
    renderings = {
        r.message_id: r
        for r in Rendering.objects.filter(
            message__in=messages, language=guardian.preferred_language or "en"
        )
    }
    for m in messages:
        r = renderings.get(m.pk) if m.direction == Direction.OUT else None
        m.text_subject = r.subject if r else m.subject
        m.text_body = r.body if r else m.body
        m.needs_follow_up = bool(r and r.needs_follow_up)
    return messages


def attach_unmatched(*, item, guardian, by) -> Message:
    """A liaison decides which guardian an unknown number's text came from: it joins their thread."""
    with transaction.atomic():
        from liaison.messaging.media import RemoteMedia

        message = record_family_reply(
            guardian=guardian,
            body=item.body,
            channel=item.channel,
            received_at=item.received_at,
            attachments=[RemoteMedia(url, content_type) for url, content_type in item.media],
        )
        item.resolved_message = message
        item.resolved_by = by
        item.save(update_fields=["resolved_message", "resolved_by"])
    return message
