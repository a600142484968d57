"""What a family has received, read from messaging's tables (messaging owns them; the portal only reads).

A guardian sees messages handed to *them* (a delivery on any channel) and what *they* wrote; each
shown in their language when a rendering exists, with the original beside it.
"""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from liaison.core.i18n import base_language
from liaison.messaging.choices import DeliveryState, Direction, MessageKind, MessageState
from liaison.messaging.models import Attachment, Conversation, Delivery, Message, Rendering

HIDDEN_MESSAGE_STATES = [MessageState.CANCELLED, MessageState.PREPARING, MessageState.SCHEDULED]


def _delivered_to(guardian) -> Q:
    """Messages with a delivery to this guardian that is due (not cancelled, not scheduled later)."""
    now = timezone.now()
    # Start from this guardian's deliveries (indexed by guardian), not from every message.
    handed = (
        Delivery.objects.filter(guardian=guardian)
        .exclude(state=DeliveryState.CANCELLED)
        .values("message_id")
    )
    return (
        Q(direction=Direction.OUT)
        & Q(pk__in=handed)
        & ~Q(state__in=HIDDEN_MESSAGE_STATES)
        & (Q(send_at__isnull=True) | Q(send_at__lte=now))
    )


def _with_texts(qs):
    return qs.prefetch_related(
        Prefetch(
            "renderings",
            queryset=Rendering.objects.only("message_id", "language", "subject", "body", "note"),
        ),
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk")),
    )


@dataclass
class Shown:
    """A message as the family reads it."""

    message: Message
    subject: str
    body: str
    original_subject: str
    original_body: str
    translated: bool
    mine: bool
    machine: bool = False

    @property
    def pk(self):
        return self.message.pk

    @property
    def at(self):
        return self.message.created_at

    @property
    def attachments(self):
        return [a for a in self.message.attachments.all() if a.file]  # not a pending MMS item


def _language_matches(tag: str, wanted: str) -> bool:
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or base_language(tag) == base_language(wanted)


def shown(message: Message, guardian) -> Shown:
    wanted = guardian.preferred_language or "en"
    mine = message.direction == Direction.IN
    rendering = None
    if not mine and not _language_matches(message.source_language, wanted):
        renderings = list(message.renderings.all())
        rendering = next((r for r in renderings if r.language.lower() == wanted.lower()), None)
        rendering = rendering or next(
            (r for r in renderings if _language_matches(r.language, wanted)), None
        )
    if rendering is None:
        return Shown(
            message, message.subject, message.body, message.subject, message.body, False, mine
        )
    from liaison.language.rendering import APPROVED, MACHINE

    body = f"{rendering.note}\n\n{rendering.body}" if rendering.note else rendering.body
    return Shown(
        message,
        rendering.subject or message.subject,
        body,
        message.subject,
        message.body,
        rendering.method in (APPROVED, MACHINE),
        mine,
        machine=rendering.method == MACHINE,
    )


def _theirs(guardian) -> Q:
    """Messages of a thread this guardian has a part in: handed to them, or written by them."""
    return _delivered_to(guardian) | Q(direction=Direction.IN, guardian=guardian)


def conversations_of(guardian) -> list[Conversation]:
    """The household's threads this guardian takes part in: the shared thread with the school
    (once made), and each member of staff's own thread that wrote to them or that they wrote in."""
    theirs = Message.objects.filter(
        _theirs(guardian), conversation=OuterRef("pk"), kind=MessageKind.CONVERSATION
    )
    return list(
        Conversation.objects.filter(household_id=guardian.household_id)
        .filter(Q(staff__isnull=True) | Exists(theirs))
        .select_related("staff")
        .order_by(F("staff_id").asc(nulls_first=True), "pk")
    )


def new_messages(guardian, threads, seen: dict) -> int:
    """Messages to this guardian in these threads since they last opened each one."""
    return sum(new_in_thread(guardian, c, seen.get(c.pk)) for c in threads)


def thread(guardian, conversation) -> list[Shown]:
    messages = _with_texts(
        Message.objects.filter(conversation=conversation, kind=MessageKind.CONVERSATION)
        .filter(_theirs(guardian))
        .distinct()
        .order_by("created_at", "pk")
    )
    return [shown(m, guardian) for m in messages]


def new_in_thread(guardian, conversation, since) -> int:
    if conversation is None:
        return 0
    qs = Message.objects.filter(conversation=conversation, kind=MessageKind.CONVERSATION).filter(
        _delivered_to(guardian)
    )
    if since is not None:
        qs = qs.filter(created_at__gt=since)
    return qs.distinct().count()


def announcements(guardian, *, limit=None) -> list[Shown]:
    qs = _with_texts(
        Message.objects.filter(kind__in=[MessageKind.ANNOUNCEMENT, MessageKind.NOTICE])
        .filter(_delivered_to(guardian))
        .distinct()
        .order_by("-created_at", "-pk")
    )
    if limit:
        qs = qs[:limit]
    return [shown(m, guardian) for m in qs]


def announcement(guardian, pk) -> Shown | None:
    message = (
        _with_texts(
            Message.objects.filter(kind__in=[MessageKind.ANNOUNCEMENT, MessageKind.NOTICE]).filter(
                _delivered_to(guardian)
            )
        )
        .filter(pk=pk)
        .distinct()
        .first()
    )
    return shown(message, guardian) if message else None


def attachment(guardian, pk) -> Attachment | None:
    """An attachment of a message this guardian received or wrote; None otherwise."""
    visible = Message.objects.filter(
        _delivered_to(guardian) | Q(direction=Direction.IN, guardian=guardian)
    )
    return (
        Attachment.objects.filter(pk=pk, message__in=visible.values("pk"))
        .exclude(file="")  # an MMS picture not fetched (yet) has nothing to give
        .first()
    )


def invitation_notices(guardian, invitation_ids) -> dict[int, Shown]:
    """Each invitation as events sent it to this guardian (in their language), by invitation id.

    Events sends one notice per invitation (dedupe key "events:<id>:invite") through messaging,
    which renders it in each guardian's language; the portal shows that same text.
    """
    keys = {f"events:{pk}:invite": pk for pk in invitation_ids}
    if not keys:
        return {}
    notices = _with_texts(
        Message.objects.filter(kind=MessageKind.NOTICE, dedupe_key__in=list(keys))
        .filter(_delivered_to(guardian))
        .distinct()
    )
    return {keys[m.dedupe_key]: shown(m, guardian) for m in notices}
