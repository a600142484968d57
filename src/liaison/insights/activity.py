"""Concern, referral and event figures for the rollups (run by the refresh task, never in a request).

Each figure is counted for the district, each site and each liaison's caseload the household belongs
to (its HouseholdDimension rows), over the windows that metrics.py defines. Only the rows inside
those windows are read, through indexed date filters on the apps' own tables.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from liaison.insights import metrics
from liaison.insights.choices import Dimension, Scope
from liaison.insights.models import HouseholdDimension

UNSPECIFIED = "unspecified"


def _memberships(district_id, household_ids):
    """household id -> ([(scope, scope_id)...] beyond the district, its language)."""
    scopes: dict[int, list] = defaultdict(list)
    language: dict[int, str] = {}
    ids = list(household_ids)
    for start in range(0, len(ids), 5_000):
        for hid, dimension, value in HouseholdDimension.objects.filter(
            engagement_id__in=ids[start : start + 5_000],
            dimension__in=[Dimension.SITE, Dimension.LIAISON, Dimension.LANGUAGE],
        ).values_list("engagement_id", "dimension", "value"):
            if dimension == Dimension.SITE:
                scopes[hid].append((Scope.SITE, int(value)))
            elif dimension == Dimension.LIAISON:
                scopes[hid].append((Scope.CASELOAD, int(value)))
            else:
                language[hid] = value
    return scopes, language


class _Tally:
    """Counts and durations per (scope, scope_id, metric, dimension, value)."""

    def __init__(self, district_id, scopes):
        self.district_id = district_id
        self.scopes = scopes
        self.counts: dict[tuple, int] = defaultdict(int)
        self.hours: dict[tuple, list[float]] = defaultdict(list)

    def where(self, household_id, *, sites_only=False):
        out = [(Scope.DISTRICT, self.district_id)]
        for scope in self.scopes.get(household_id, ()):
            if not sites_only or scope[0] == Scope.SITE:
                out.append(scope)
        return set(out)

    def count(self, household_id, metric, pairs, *, sites_only=False):
        for scope, scope_id in self.where(household_id, sites_only=sites_only):
            for dimension, value in pairs:
                self.counts[(scope, scope_id, metric, dimension, value)] += 1

    def duration(self, household_id, metric, pairs, hours):
        for scope, scope_id in self.where(household_id):
            for dimension, value in pairs:
                self.hours[(scope, scope_id, metric, dimension, value)].append(hours)

    def emit(self, add):
        for (scope, scope_id, metric, dimension, value), n in self.counts.items():
            add(scope, scope_id, metric, dimension, value, n)
        for (scope, scope_id, metric, dimension, value), hours in self.hours.items():
            add(scope, scope_id, f"{metric}_median", dimension, value, metrics.median(hours))
            add(scope, scope_id, f"{metric}_p90", dimension, value, metrics.percentile(hours, 90))


def _concern_rows(district_id, since, since_advocacy):
    from liaison.concerns.models import Concern

    return list(
        Concern.objects.filter(district_id=district_id)
        .filter(Q(created_at__gte=min(since, since_advocacy)) | Q(resolved_at__gte=since))
        .values_list(
            "household_id", "category__code", "created_at", "resolved_at", "status", "satisfaction"
        )
    )


def _referral_rows(district_id, since, since_advocacy):
    from liaison.resources.models import Referral, UnmetNeed

    early = min(since, since_advocacy)
    referrals = list(
        Referral.objects.filter(household__district_id=district_id)
        .filter(Q(created_at__gte=since) | Q(closed_at__gte=early))
        .values_list("household_id", "need_id", "status", "created_at", "closed_at")
    )
    unmet = list(
        UnmetNeed.objects.filter(
            household__district_id=district_id, created_at__gte=early
        ).values_list("household_id", "need_id", "created_at")
    )
    return referrals, unmet


def _invitation_rows(district_id, since, now):
    from django.contrib.contenttypes.models import ContentType

    from liaison.events.choices import Answer, EventStatus
    from liaison.events.models import Event, Invitation
    from liaison.language.choices import RequestStatus
    from liaison.language.models import InterpreterRequest

    events = {
        pk: interpretation
        for pk, interpretation in Event.objects.filter(
            district_id=district_id,
            starts_at__gte=since,
            starts_at__lt=now,
            status=EventStatus.SCHEDULED,
        ).values_list("pk", "interpretation")
    }
    if not events:
        return [], set()
    rows = list(
        Invitation.objects.filter(event_id__in=list(events), household__isnull=False).values_list(
            "household_id", "event_id", "answer", "checked_in_at", "interpreter_language"
        )
    )
    # An interpreter booked for this family at this event (language app) meets the request too.
    booked = {
        (event_id, hid, metrics.base_language(lang))
        for event_id, hid, lang in InterpreterRequest.objects.filter(
            content_type=ContentType.objects.get_for_model(Event),
            object_id__in=list(events),
            status__in=[RequestStatus.ASSIGNED, RequestStatus.CONFIRMED, RequestStatus.DONE],
        ).values_list("object_id", "household_id", "language")
    }
    met = set()
    for hid, event_id, _answer, _checked, wanted in rows:
        if not wanted:
            continue
        wanted = metrics.base_language(wanted)
        offered = {metrics.base_language(t) for t in events[event_id] or []}
        if wanted in offered or (event_id, hid, wanted) in booked:
            met.add((hid, event_id))
    return [(*r, r[2] == Answer.YES) for r in rows], met


def activity_rollups(add, *, district_id, now) -> None:
    """Add concern, referral and event figures for every scope of the district to `add`."""
    from liaison.concerns.choices import Status
    from liaison.resources.choices import CLOSED, ReferralStatus

    since = now - dt.timedelta(days=metrics.PERIOD_DAYS)
    since_advocacy = now - dt.timedelta(days=metrics.ADVOCACY_DAYS)
    concerns = _concern_rows(district_id, since, since_advocacy)
    referrals, unmet = _referral_rows(district_id, since, since_advocacy)
    invitations, interpreters_met = _invitation_rows(district_id, since, now)
    households = {r[0] for r in concerns} | {r[0] for r in referrals} | {r[0] for r in unmet}
    households |= {r[0] for r in invitations}
    if not households:
        return
    scopes, language = _memberships(district_id, households)
    tally = _Tally(district_id, scopes)
    all_ = (Dimension.ALL, "all")

    for hid, category, created, resolved, status, satisfaction in concerns:
        theme = (Dimension.CATEGORY, category or UNSPECIFIED)
        if created >= since:
            tally.count(hid, "concerns_opened", [all_, theme])
        if created >= since_advocacy:
            tally.count(hid, "advocacy_concerns", [theme], sites_only=True)
        if resolved and resolved >= since and status in (Status.RESOLVED, Status.CLOSED):
            outcome = (Dimension.OUTCOME, satisfaction or metrics.NO_ANSWER)
            tally.count(hid, "concerns_resolved", [all_, theme, outcome])
            hours = (resolved - created).total_seconds() / 3600
            tally.duration(hid, "concern_resolve", [all_, theme, outcome], hours)

    for hid, need, status, created, closed in referrals:
        theme = (Dimension.CATEGORY, str(need) if need else UNSPECIFIED)
        if created >= since and status != ReferralStatus.SUGGESTED:
            tally.count(hid, "referrals_sent", [all_, theme])
        if closed and status in CLOSED:
            if closed >= since:
                tally.count(hid, "referrals_closed", [all_, theme])
                if status == ReferralStatus.NEED_MET:
                    tally.count(hid, "referrals_need_met", [all_, theme])
                elif status == ReferralStatus.NEED_NOT_MET:
                    tally.count(hid, "unmet_needs", [all_, theme])
            if status == ReferralStatus.NEED_NOT_MET and closed >= since_advocacy:
                tally.count(hid, "advocacy_unmet", [theme], sites_only=True)
    for hid, need, created in unmet:
        theme = (Dimension.CATEGORY, str(need) if need else UNSPECIFIED)
        if created >= since:
            tally.count(hid, "unmet_needs", [all_, theme])
        tally.count(hid, "advocacy_unmet", [theme], sites_only=True)

    for hid, event_id, _answer, checked_in, wanted, said_yes in invitations:
        by = [all_, (Dimension.LANGUAGE, language.get(hid, UNSPECIFIED))]
        tally.count(hid, "event_invited", by)
        if said_yes:
            tally.count(hid, "event_rsvp_yes", by)
        if checked_in:
            tally.count(hid, "event_attended", by)
        if wanted:
            need = [all_, (Dimension.LANGUAGE, metrics.base_language(wanted))]
            tally.count(hid, "interpreter_requested", need)
            if (hid, event_id) in interpreters_met:
                tally.count(hid, "interpreter_met", need)
    tally.emit(add)
