"""What the events app adds to the household page: the "Events and RSVPs" action and the
family's answers and attendance on the timeline."""

from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.core import pages, reads
from liaison.core.pages import TimelineEntry
from liaison.events.models import Invitation


def timeline_entries(household, user, *, before=None, limit=25):
    """Answers and attendance."""
    # Dated by what happened: the check-in, else the answer, else the invitation.
    qs = (
        Invitation.objects.filter(household=household)
        .select_related("event")
        .annotate(at=Coalesce("checked_in_at", "answered_at", "created_at"))
    )
    if before is not None:
        qs = qs.filter(at__lt=before)
    url = reverse("events:household_events", args=[household.pk])
    return reads.later(qs.order_by("-at")[:limit], lambda rows: _entries(rows, url))


def _entries(invitations, url):
    for inv in invitations:
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


def register() -> None:
    # Whoever opens the family's page sees its invitations (the events page asks no more).
    pages.add_action(
        "household",
        gettext_lazy("Events and RSVPs"),
        "events:household_events",
        order=40,
        ask=pages.page_opened,
    )
    pages.add_timeline(
        "household",
        "event",
        gettext_lazy("Events"),
        timeline_entries,
        ask=pages.page_opened,
        tables=("events.Event",),  # the event's title
    )
