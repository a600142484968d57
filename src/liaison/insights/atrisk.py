"""The at-risk list: the families a district's rules flag, each with the reasons why.

Rules (AtRiskRules, tunable per district): no two-way contact in N days (default 60), every
channel failing, an urgent concern open past its target. Attendance has a list of its own, by
student (attendance.atrisk: the measures, tiers and the outreach so far); this page links to it.
"""

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from liaison.core import policy
from liaison.core.db import IdIn
from liaison.insights.models import AtRiskRules, HouseholdEngagement
from liaison.insights.services import engaged_households, engaged_in_scope
from liaison.people.caseload import RiskReason
from liaison.people.models import Guardian, Household

# The reasons a family is on the list, by key (the caseload filters by them), in words.
NO_CONTACT, CHANNELS_FAILING, OVERDUE_URGENT = "no_contact", "channels_failing", "overdue_urgent"
REASON_LABELS = {
    NO_CONTACT: gettext_lazy("No two-way contact within the district's limit"),
    CHANNELS_FAILING: gettext_lazy("Every channel failing"),
    OVERDUE_URGENT: gettext_lazy("Urgent concern open past its target"),
}
# What the caseload's filter by reason reads (people.caseload.TABLES): the rules, the engagement
# facts (rebuilt by insights' refresh, whose KeptWrites draws their version) and the concerns.
CASELOAD_TABLES = ("insights.AtRiskRules", "insights.HouseholdEngagement", "concerns.Concern")


def rules_for(district_id) -> AtRiskRules:
    """The district's rules, or the defaults (unsaved) when it has not tuned them."""
    return AtRiskRules.objects.filter(district_id=district_id).first() or AtRiskRules(
        district_id=district_id
    )


def rules_by_district(district_ids) -> dict[int, AtRiskRules]:
    """Each district's rules (the defaults where it has not tuned them), in one query."""
    saved = {r.district_id: r for r in AtRiskRules.objects.filter(district_id__in=district_ids)}
    return {d: saved.get(d) or AtRiskRules(district_id=d) for d in district_ids}


def _overdue_urgent(district_ids, now, user):
    """Urgent concerns past their target, leaving out any about the person reading the list."""
    from liaison.concerns.choices import Urgency
    from liaison.concerns.models import Concern
    from liaison.core.policy import concerns as concern_policy

    return (
        Concern.objects.overdue(now)
        .filter(district_id__in=district_ids, urgency=Urgency.URGENT)
        .filter(concern_policy.not_about(user))
    )


def reason_filters(user, rules: dict[int, AtRiskRules], now) -> dict[str, Q]:
    """A filter on Household per reason, each district by its own rules; a reason that no
    district's rules use is left out. Subqueries only: asking costs no query."""
    engaged = HouseholdEngagement.objects.filter(is_active=True)
    out: dict[str, Q] = {}
    no_contact = [
        Q(district_id=d)
        & (
            Q(last_two_way_at__lt=now - dt.timedelta(days=r.no_contact_days))
            | Q(last_two_way_at__isnull=True)
        )
        for d, r in rules.items()
    ]
    if no_contact:
        flagged = engaged.filter(reduce(operator.or_, no_contact))
        out[NO_CONTACT] = Q(pk__in=flagged.values("household_id"))
    failing = [d for d, r in rules.items() if r.flag_all_channels_failing]
    if failing:
        flagged = engaged.filter(district_id__in=failing, all_channels_failing=True)
        out[CHANNELS_FAILING] = Q(pk__in=flagged.values("household_id"))
    urgent = [d for d, r in rules.items() if r.flag_overdue_urgent_concerns]
    if urgent:
        out[OVERDUE_URGENT] = Q(pk__in=_overdue_urgent(urgent, now, user).values("household_id"))
    return out


def caseload_reasons(user: Any, now: dt.datetime) -> list[RiskReason]:
    """The caseload's filter by reason (people.caseload's hook): one query, for the rules. Only
    for those who work with families (a teacher's list of their pupils' families has none)."""
    access = policy.access_for(user)
    if not access.works_with_families or not access.district_ids:
        return []
    found = reason_filters(user, rules_by_district(access.district_ids), now)
    return [RiskReason(key, REASON_LABELS[key], q) for key, q in found.items()]


@dataclass(frozen=True)
class AtRiskFamily:
    household: Household
    why: list[str]  # the reasons, in words
    last_two_way_at: dt.datetime | None
    call_guardian_id: int | None  # whom a call would reach first (active, not restricted)


def on_caseload(user: Any, *, now=None, limit: int = 10) -> list[AtRiskFamily]:
    """The families on this liaison's caseload (and in their sight) that their district's rules
    flag, most pressing first. Two queries: the rules and the families."""
    now = now or timezone.now()
    rules = rules_by_district(policy.access_for(user).district_ids)
    found = reason_filters(user, rules, now)
    if not found:
        return []
    last = HouseholdEngagement.objects.filter(household_id=OuterRef("pk"))
    overdue = (
        _overdue_urgent(list(rules), now, user)
        .filter(household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reachable = Guardian.objects.filter(
        household_id=OuterRef("pk"), is_active=True, contact_restricted=False
    ).order_by("family_name", "given_name", "pk")
    rows = list(
        Household.objects.visible_to(user)
        .filter(is_active=True, pk__in=Household.objects.in_caseload_of(user).values("pk"))
        .filter(reduce(operator.or_, found.values()))
        .annotate(
            last_two_way_at=Subquery(last.values("last_two_way_at")[:1]),
            all_failing=Subquery(last.values("all_channels_failing")[:1]),
            overdue_urgent=Coalesce(Subquery(overdue), Value(0)),
            call_guardian_id=Subquery(reachable.values("pk")[:1]),
        )
        .order_by(
            "-overdue_urgent",
            "-all_failing",
            Coalesce("last_two_way_at", Value(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))),
            "name",
            "pk",
        )[:limit]
    )
    return [
        AtRiskFamily(
            household=h,
            why=reasons(h, rules.get(h.district_id) or AtRiskRules(district_id=h.district_id), now),
            last_two_way_at=h.last_two_way_at,
            call_guardian_id=h.call_guardian_id,
        )
        for h in rows
    ]


def at_risk_households(*, user, scope, scope_id, district_id, now=None):
    """Households in scope, visible to the user, that any of the district's rules flags."""
    now = now or timezone.now()
    rules = rules_for(district_id)
    overdue = _overdue_urgent([district_id], now, user)
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
        HouseholdEngagement.objects.filter(IdIn("household_id", household_ids)).values_list(
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
