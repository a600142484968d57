"""The at-risk list: the families a district's rules flag, each with the reasons why.

Rules (AtRiskRules, tunable per district): no two-way contact in N days (default 60), every
channel failing, an urgent concern open past its target. Attendance is not imported into Liaison
(the roster carries no attendance flag), so there is no attendance rule yet.
"""

import datetime as dt

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.insights.models import AtRiskRules, HouseholdEngagement
from liaison.insights.services import engaged_households, engaged_in_scope


def rules_for(district_id) -> AtRiskRules:
    """The district's rules, or the defaults (unsaved) when it has not tuned them."""
    return AtRiskRules.objects.filter(district_id=district_id).first() or AtRiskRules(
        district_id=district_id
    )


def _overdue_urgent(district_id, now, user):
    """Urgent concerns past their target, leaving out any about the person reading the list."""
    from liaison.concerns.choices import Urgency
    from liaison.concerns.models import Concern
    from liaison.core.policy import concerns as concern_policy

    return (
        Concern.objects.overdue(now)
        .filter(district_id=district_id, urgency=Urgency.URGENT)
        .filter(concern_policy.not_about(user))
    )


def at_risk_households(*, user, scope, scope_id, district_id, now=None):
    """Households in scope, visible to the user, that any of the district's rules flags."""
    now = now or timezone.now()
    rules = rules_for(district_id)
    overdue = _overdue_urgent(district_id, now, user)
    flags = Q(last_two_way_at__lt=now - dt.timedelta(days=rules.no_contact_days)) | Q(
        last_two_way_at__isnull=True
    )
    if rules.flag_all_channels_failing:
        flags |= Q(all_channels_failing=True)
    if rules.flag_overdue_urgent_concerns:
        flags |= Q(household_id__in=overdue.values("household_id"))
    flagged = engaged_in_scope(scope, scope_id).filter(flags)
    overdue_count = (
        overdue.filter(household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        engaged_households(user, flagged)
        .annotate(overdue_urgent=Coalesce(Subquery(overdue_count), Value(0)))
        .order_by(
            "-overdue_urgent",
            "-all_failing",
            Coalesce("last_two_way_at", Value(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))),
            "name",
        )
    )


def reasons(household, rules: AtRiskRules, now=None) -> list[str]:
    """Why this household is on the list, in the liaison's words."""
    now = now or timezone.now()
    out = []
    if household.last_two_way_at is None:
        out.append(_("No two-way contact on record"))
    elif household.last_two_way_at < now - dt.timedelta(days=rules.no_contact_days):
        days = (now - household.last_two_way_at).days
        out.append(
            _("No two-way contact in %(days)d days (limit %(limit)d)")
            % {"days": days, "limit": rules.no_contact_days}
        )
    if rules.flag_all_channels_failing and household.all_failing:
        out.append(_("Every channel failing"))
    if rules.flag_overdue_urgent_concerns and household.overdue_urgent:
        out.append(
            ngettext(
                "%(n)d urgent concern open past its target",
                "%(n)d urgent concerns open past their target",
                household.overdue_urgent,
            )
            % {"n": household.overdue_urgent}
        )
    return out


def household_signals(household_ids: list[int]) -> dict[int, dict]:
    """What engagement says of these households for attendance's at-risk score: whether the family
    has gone without two-way contact past the district's days, and whether every channel fails."""
    now = timezone.now()
    rows = list(
        HouseholdEngagement.objects.filter(household_id__in=household_ids).values_list(
            "household_id", "district_id", "last_two_way_at", "all_channels_failing"
        )
    )
    limits = {
        r.district_id: r.no_contact_days
        for r in AtRiskRules.objects.filter(district_id__in={row[1] for row in rows})
    }
    out = {}
    for household_id, district_id, last_two_way_at, failing in rows:
        limit = limits.get(district_id, AtRiskRules._meta.get_field("no_contact_days").default)
        days = None if last_two_way_at is None else (now - last_two_way_at).days
        out[household_id] = {
            "no_contact": days is None or days > limit,
            "no_contact_days": days,
            "limit": limit,
            "all_channels_failing": failing,
        }
    return out
