"""The messages part of a family's record: export on request, erasure."""

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
    n = Delivery.objects.filter(household_id_copy=household.pk).delete()[0]
    n += Conversation.objects.filter(household=household).delete()[0]
    return n
