"""The events app's part of a family's record: invitations, conference slots, group places."""

from django.utils.translation import gettext_lazy as _

from liaison.core import family_record
from liaison.events.models import ConferenceSlot, GroupMember, Invitation


def export_household(household) -> list[dict]:
    out = []
    for inv in Invitation.objects.filter(household=household).select_related("event"):
        out.append(
            {
                "type": "invitation",
                "event": inv.event.title,
                "starts_at": inv.event.starts_at.isoformat(),
                "answer": inv.answer,
                "seat": inv.seat,
                "party_size": inv.party_size,
                "interpreter_language": inv.interpreter_language,
                "childcare_ages": inv.childcare_ages,
                "needs_transport": inv.needs_transport,
                "channel": inv.channel,
                "checked_in_at": inv.checked_in_at.isoformat() if inv.checked_in_at else None,
                "checked_in_count": inv.checked_in_count,
            }
        )
    for slot in ConferenceSlot.objects.filter(household=household).select_related("teacher"):
        out.append(
            {
                "type": "conference",
                "teacher": str(slot.teacher),
                "starts_at": slot.starts_at.isoformat(),
            }
        )
    for m in GroupMember.objects.filter(guardian__household=household).select_related("group"):
        out.append({"type": "group", "group": m.group.name, "role": m.role})
    return out


def erase_household(household, *, keep_tombstone=True) -> int:
    n = ConferenceSlot.objects.filter(household=household).update(household=None, booked_at=None)
    n += GroupMember.objects.filter(guardian__household=household).delete()[0]
    n += Invitation.objects.filter(household=household).delete()[0]
    return n


def register() -> None:
    family_record.register(
        section="events",
        export=export_household,
        erase=erase_household,
        label=_("Events and attendance"),
    )
