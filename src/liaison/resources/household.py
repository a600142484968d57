"""What the resources app adds to the household page: the referrals panel, the "Find a resource"
action and the referral steps on the timeline."""

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liaison.core import pages, reads
from liaison.core.pages import TimelineEntry
from liaison.core.policy import resources as rpolicy
from liaison.people import caseload
from liaison.resources.choices import CLOSED
from liaison.resources.models import Referral, ReferralEvent


def timeline_entries(household, user, *, before=None, limit=25):
    """Each referral step, newest first."""
    qs = ReferralEvent.objects.filter(household_id_copy=household.pk).select_related(
        "referral", "by"
    )
    if before is not None:
        qs = qs.filter(at__lt=before)
    return reads.later(qs.order_by("-at", "-id")[:limit], _entries)


def _entries(events):
    for event in events:
        yield TimelineEntry(
            at=event.at,
            kind="referral",
            title=f"{_('Referral')}: {event.referral.service_name}",
            summary=" — ".join(str(x) for x in [event.get_status_display(), event.note] if x),
            url=reverse("resources:referral", args=[event.referral_id]),
            actor=str(event.by) if event.by else "",
        )


def panel_context(request, household):
    return {
        "referrals": reads.later(
            household.referrals.select_related("need").order_by("-created_at")[:10]
        ),
        "unmet": reads.later(
            household.unmet_needs.select_related("need").filter(resolved_at__isnull=True)[:10]
        ),
        "can_refer": rpolicy.can_refer(request.user, household),
    }


def open_referrals():
    return Subquery(
        Referral.objects.filter(household_id=OuterRef("pk"))
        .exclude(status__in=CLOSED)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def register() -> None:
    caseload.register_open_items(
        "referrals", _("open referrals"), open_referrals, tables=("resources.Referral",)
    )
    pages.add_timeline(
        "household",
        "referral",
        _("Referrals"),
        timeline_entries,
        ask=rpolicy.can_see_referrals,
        tables=("people.User",),  # who took the step
    )
    pages.add_action(
        "household",
        _("Find a resource"),
        "resources:household_search",
        order=40,
        ask=rpolicy.can_refer,
    )
    pages.add_panel(
        "household",
        "resources/_household_panel.html",
        order=40,
        context=panel_context,
        ask=rpolicy.can_see_referrals,
        tables=("resources.TaxonomyTerm",),  # the needs' names (the directory's taxonomy)
    )
