"""The messages part of a family's record: export on request, erasure."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from liaison.core import family_record, kept
from liaison.language.services import forget_texts
from liaison.messaging.models import Conversation, Delivery, Message


def export(household) -> list[dict]:
    out = []
    messages = Message.objects.filter(conversation__household=household) | Message.objects.filter(
        deliveries__household_id_copy=household.pk
    )
    for m in messages.distinct().order_by("created_at"):
        out.append(
            {
                "at": m.created_at.isoformat(),
                "direction": m.direction,
                "kind": m.kind,
                "subject": m.subject,
                "body": m.body,
                "channel": m.channel,
                "deliveries": [
                    {
                        "guardian": d.guardian_id,
                        "channel": d.channel,
                        "state": d.state,
                        "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                    }
                    for d in m.deliveries.filter(household_id_copy=household.pk)
                ],
            }
        )
    return out


def erase(household, *, keep_tombstone=True) -> int:

    # The translation memory keeps copies of what was translated: those of this family's words
    # go with the messages (an announcement's text, which other families got too, stays).
    n = forget_texts(district=household.district, texts=texts_of_this_family_only(household))
    n += Delivery.objects.filter(household_id_copy=household.pk).delete()[0]
    n += Conversation.objects.filter(household=household).delete()[0]
    # Bulk deletes send no signal: the kept parts that read the family's threads (the caseload's
    # last two-way contact, the inbox, the thread page) are told (core/kept.py).
    for table in ("messaging.Conversation", "messaging.Message", "messaging.Delivery"):
        kept.changed(household.district_id, table=table, households=[household.pk])
    return n


def texts_of_this_family_only(household) -> set[str]:
    """Subjects and bodies of the household's messages that reached no other household."""
    mine = set(
        Message.objects.filter(
            Q(conversation__household=household) | Q(deliveries__household_id_copy=household.pk)
        ).values_list("pk", flat=True)
    )
    if not mine:
        return set()
    rows = Message.objects.filter(pk__in=mine).values_list("subject", "body")
    texts = {t for row in rows for t in row if t.strip()}
    # An announcement reached thousands: ask only whether one other delivery exists.
    to_others = Delivery.objects.filter(message=OuterRef("pk")).exclude(
        household_id_copy=household.pk
    )
    shared_ids = set(
        Message.objects.filter(pk__in=mine)
        .filter(
            Exists(to_others)
            | (Q(conversation__isnull=False) & ~Q(conversation__household=household))
        )
        .values_list("pk", flat=True)
    )
    # The same words in any other message (another family's, or one that reached others) stay.
    # (The translation memory is per district, so only this district's messages matter.)
    elsewhere = (
        Message.objects.filter(district_id=household.district_id)
        .filter(Q(subject__in=texts) | Q(body__in=texts))
        .exclude(pk__in=mine - shared_ids)
    )
    for row in elsewhere.values_list("subject", "body"):
        texts.difference_update(row)
    return texts


def register() -> None:
    family_record.register(section="messages", label=_("Messages"), export=export, erase=erase)
