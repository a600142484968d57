"""What the events app adds to a household's timeline and to its record export / erasure."""

from django.urls import reverse
from django.utils.translation import gettext as _

from liaison.people.timeline import TimelineEntry


def timeline_entries(household, user, *, before=None, limit=25):
    """Answers and attendance; the caller has already checked the user may see the household."""
    from django.db.models.functions import Coalesce

    from liaison.events.models import Invitation

    # Dated by what happened: the check-in, else the answer, else the invitation.
    qs = (
        Invitation.objects.filter(household=household)
        .select_related("event")
        .annotate(at=Coalesce("checked_in_at", "answered_at", "created_at"))
    )
    if before is not None:
        qs = qs.filter(at__lt=before)
    url = reverse("events:household_events", args=[household.pk])
    for inv in qs.order_by("-at")[:limit]:
        if inv.checked_in_at:
            title = _("Came to %(title)s") % {"title": inv.event.title}
            badges = (_("attended"),)
        elif inv.answer:
            title = _("Answered %(answer)s to %(title)s") % {
                "answer": inv.get_answer_display(),
                "title": inv.event.title,
            }
            badges = (inv.get_seat_display(),) if inv.seat else ()
        else:
            title = _("Invited to %(title)s") % {"title": inv.event.title}
            badges = ()
        yield TimelineEntry(at=inv.at, kind="event", title=title, url=url, badges=badges)


def export_household(household) -> list[dict]:
    from liaison.events.models import ConferenceSlot, GroupMember, Invitation

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
    from liaison.events.models import ConferenceSlot, GroupMember, Invitation

    n = ConferenceSlot.objects.filter(household=household).update(household=None, booked_at=None)
    n += GroupMember.objects.filter(guardian__household=household).delete()[0]
    n += Invitation.objects.filter(household=household).delete()[0]
    return n
