"""Messaging on the household and guardian pages: the panels, the actions, and the timeline entries."""

from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core import pages, reads
from liaison.core.pages import TimelineEntry
from liaison.core.policy import messaging as mpolicy
from liaison.messaging import registry
from liaison.messaging.choices import Channel, DeliveryState, Direction
from liaison.messaging.models import Delivery, Message, Suppression
from liaison.people import caseload


def channel_status(guardians) -> reads.Later:
    """Per guardian: the channels we may use, and the opt-outs and bounces that stop the others
    (read with the page's other reads, when first used)."""
    guardians = list(guardians)
    phones = [g.phone for g in guardians if g.phone]
    emails = [g.email.lower() for g in guardians if g.email]
    suppressions = Suppression.objects.filter(
        channel=Channel.SMS, address__in=phones
    ) | Suppression.objects.filter(channel=Channel.EMAIL, address__in=emails)

    def rows(found_rows):
        found = {(s.channel, s.address): s for s in found_rows}
        out = []
        for g in guardians:
            sms = found.get((Channel.SMS, g.phone)) if g.phone else None
            email = found.get((Channel.EMAIL, g.email.lower())) if g.email else None
            out.append({"guardian": g, "sms": sms, "email": email})
        return out

    return reads.later(suppressions, rows)


def guardian_panel_context(request, guardian) -> dict:
    row = channel_status([guardian])[0]
    recent = (
        Delivery.objects.filter(guardian=guardian)
        .select_related("message")
        .order_by("-created_at")[:5]
    )
    return {**row, "recent": list(recent)}


def panel_context(request, household) -> dict:
    from liaison.messaging.models import Conversation

    # The household page's guardians, prefetched (active first, by name): no query of its own.
    guardians = [g for g in household.guardians.all() if g.is_active]
    # Read with the page's other reads (core/reads.py) when the panel is drawn.
    threads = reads.later(
        Conversation.objects.filter(household=household)
        .select_related("staff")
        .order_by(F("staff_id").asc(nulls_first=True), "pk")
    )
    # What the timeline hides from this person (a concern about them) the latest messages hide too.
    recent = reads.later(
        Message.objects.filter(conversation__household=household)
        .filter(registry.readable_messages(request.user, household))
        .select_related("guardian", "sent_by")
        .order_by("-created_at")[:3]
    )
    return {
        "channel_status": channel_status(guardians),
        # A template calls this when it uses it (the family's shared thread, or None).
        "conversation": lambda: next((t for t in threads if t.staff_id is None), None),
        "staff_threads": threads.then(lambda rows: [t for t in rows if t.staff_id is not None]),
        "recent": recent,
    }


def timeline_entries(household, user, *, before=None, limit=25):
    """Messages to and from the household, each with how its deliveries went (no query per entry)."""
    deliveries = Delivery.objects.filter(household_id_copy=household.pk)
    if before is not None:
        deliveries = deliveries.filter(created_at__lt=before)
    # The newest sent (by their deliveries) and received, chosen in subqueries of the one query.
    sent = deliveries.order_by("-created_at").values("message_id")[:limit]
    inbound = Message.objects.filter(conversation__household=household, direction=Direction.IN)
    if before is not None:
        inbound = inbound.filter(created_at__lt=before)
    received = inbound.order_by("-created_at").values("pk")[:limit]
    chosen = Message.objects.filter(Q(pk__in=Subquery(sent)) | Q(pk__in=Subquery(received))).filter(
        registry.readable_messages(user, household)
    )
    # The sent messages' deliveries, chosen by the same subqueries: both lists are read together
    # (with the page's other reads, core/reads.py) rather than one after the other.
    deliveries = reads.later(
        Delivery.objects.filter(
            household_id_copy=household.pk,
            message_id__in=chosen.exclude(direction=Direction.IN).values("pk"),
        ).values_list("message_id", "state", "channel", "guardian__given_name")
    )
    return reads.later(
        chosen.select_related("sent_by", "guardian"),
        lambda messages: _entries(messages, deliveries, limit),
    )


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # a value no longer among the choices: shown as stored
        return value


def _entries(messages, deliveries, limit):
    states: dict[int, list] = {}
    for mid, state, channel, name in deliveries:
        # In words, as everywhere: "Ana: Sent (Text message)", not the stored codes.
        states.setdefault(mid, []).append(
            _("%(name)s: %(state)s (%(channel)s)")
            % {
                "name": name,
                "state": _label(DeliveryState, state),
                "channel": _label(Channel, channel),
            }
        )
    entries = []
    for m in messages:
        if m.direction == Direction.IN:
            title = _("Message from %(name)s") % {
                "name": m.guardian.full_name if m.guardian else "?"
            }
            actor = m.guardian.full_name if m.guardian else ""
        else:
            title = {
                "conversation": _("Message to the family"),
                "notice": _("Notice: %(subject)s") % {"subject": m.subject or m.notice_kind},
                "announcement": _("Announcement: %(subject)s") % {"subject": m.subject},
            }[m.kind]
            actor = str(m.sent_by) if m.sent_by else ""
        url = ""
        if m.conversation_id:
            url = reverse("messaging:conversation", args=[m.conversation_id])
        entries.append(
            TimelineEntry(
                at=m.created_at,
                kind="message",
                title=str(title),
                summary=m.body[:200],
                url=url,
                actor=actor,
                badges=tuple(states.get(m.pk, ())),
                language=m.source_language,
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def last_family_message():
    """For the caseload: when the family last wrote (a message in, on any of its threads)."""
    return Subquery(
        Message.objects.filter(conversation__household_id=OuterRef("pk"), direction=Direction.IN)
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def register() -> None:
    caseload.register_last_contact(
        "messaging.family_message",
        last_family_message,
        tables=("messaging.Message", "messaging.Conversation"),
    )
    pages.add_action(
        "household",
        gettext_lazy("Write to family"),
        "messaging:household_write",
        order=10,
        ask=mpolicy.can_message,
    )
    pages.add_action(
        "household",
        gettext_lazy("Message the family"),
        "messaging:household_write_own",
        order=11,
        ask=mpolicy.can_write_own_thread,
    )
    pages.add_panel(
        "household",
        "messaging/_household_panel.html",
        order=20,
        context=panel_context,
        ask=mpolicy.can_message,
        # opt-outs and bounces are kept by address, not by family; a thread's staff member
        tables=("messaging.Suppression", "people.User"),
    )
    pages.add_panel(
        "guardian",
        "messaging/_guardian_panel.html",
        order=20,
        context=guardian_panel_context,
        ask=mpolicy.can_message,
    )
    pages.add_timeline(
        "household",
        "message",
        gettext_lazy("Messages"),
        timeline_entries,
        ask=mpolicy.can_message,
        tables=("people.User",),  # who sent it
    )
