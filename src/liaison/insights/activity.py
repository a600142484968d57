"""Concern, referral and event figures for the rollups (run by the refresh task, never in a request).

The apps' rows become ActivityFacts incrementally (only rows changed since the last run are read);
each figure is then counted from the facts for the district, each site and each liaison's caseload
the household belongs to (its HouseholdDimension rows), over the windows that metrics.py defines.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liaison.insights import metrics
from liaison.insights.choices import Dimension, Scope
from liaison.insights.models import ActivityFact, HouseholdDimension, SourceCursor

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


# --- facts: kept current from the apps' updated_at, so a run reads only what changed ---------

# Rows saved just before the last run but committed after it are read again on the next one;
# remaking a row's facts is idempotent.
OVERLAP = dt.timedelta(minutes=5)


def collect_activity(*, now=None, full=False) -> int:
    """Bring ActivityFact up to date; returns how many source rows were (re)read.

    The first run, or full=True, remakes every fact of the last ADVOCACY_DAYS; later runs remake
    only the facts of concerns, referrals, unmet needs and events changed since the last run (by
    their updated_at, an invitation's check-in time and an interpreter booking's updated_at)."""
    now = now or timezone.now()
    started = timezone.now()  # the cursor follows the clock the apps stamp updated_at with
    cursor, _ = SourceCursor.objects.get_or_create(name="activity")
    changed_since = None if full or cursor.last_time is None else cursor.last_time - OVERLAP
    oldest = now - dt.timedelta(days=metrics.ADVOCACY_DAYS)
    with transaction.atomic():
        if changed_since is None:
            ActivityFact.objects.all().delete()
        else:
            # Facts older than any window are never read again.
            ActivityFact.objects.filter(at__lt=oldest - dt.timedelta(days=1)).delete()
        n = (
            _concern_facts(changed_since, oldest)
            + _referral_facts(changed_since, oldest)
            + _unmet_need_facts(changed_since, oldest)
            + _event_facts(changed_since, oldest)
        )
        cursor.last_time = started
        cursor.updated_at = started
        cursor.save(update_fields=["last_time", "updated_at"])
    return n


def _remake(source, rows, make) -> int:
    """Replace the facts of these source rows by make(row) -> [ActivityFact]."""
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 5_000):
        ActivityFact.objects.filter(
            source=source, source_id__in=ids[start : start + 5_000]
        ).delete()
    ActivityFact.objects.bulk_create([fact for row in rows for fact in make(row)], batch_size=5_000)
    return len(rows)


def _concern_facts(changed_since, oldest) -> int:
    from liaison.concerns.choices import Status
    from liaison.concerns.models import Concern

    qs = Concern.objects.all()
    if changed_since is None:
        qs = qs.filter(Q(created_at__gte=oldest) | Q(resolved_at__gte=oldest))
    else:
        qs = qs.filter(updated_at__gte=changed_since)
    rows = list(
        qs.values_list(
            "id",
            "district_id",
            "household_id",
            "category__code",
            "created_at",
            "resolved_at",
            "status",
            "satisfaction",
        )
    )

    def make(row):
        pk, district_id, hid, category, created, resolved, status, satisfaction = row
        fact = {
            "district_id": district_id,
            "household_id": hid,
            "source": "concern",
            "source_id": pk,
            "category": category or UNSPECIFIED,
        }
        out = [ActivityFact(kind="concern_raised", at=created, **fact)]
        if resolved and status in (Status.RESOLVED, Status.CLOSED):
            out.append(
                ActivityFact(
                    kind="concern_resolved",
                    at=resolved,
                    outcome=satisfaction or metrics.NO_ANSWER,
                    hours=(resolved - created).total_seconds() / 3600,
                    **fact,
                )
            )
        return out

    return _remake("concern", rows, make)


def _referral_facts(changed_since, oldest) -> int:
    from liaison.resources.choices import CLOSED, ReferralStatus
    from liaison.resources.models import Referral

    qs = Referral.objects.all()
    if changed_since is None:
        qs = qs.filter(Q(created_at__gte=oldest) | Q(closed_at__gte=oldest))
    else:
        qs = qs.filter(updated_at__gte=changed_since)
    rows = list(
        qs.values_list(
            "id",
            "household__district_id",
            "household_id",
            "need_id",
            "status",
            "created_at",
            "closed_at",
        )
    )

    def make(row):
        pk, district_id, hid, need, status, created, closed = row
        fact = {
            "district_id": district_id,
            "household_id": hid,
            "source": "referral",
            "source_id": pk,
            "category": str(need) if need else UNSPECIFIED,
        }
        out = []
        if status != ReferralStatus.SUGGESTED:
            out.append(ActivityFact(kind="referral_sent", at=created, **fact))
        if closed and status in CLOSED:
            out.append(ActivityFact(kind="referral_closed", at=closed, outcome=status, **fact))
        return out

    return _remake("referral", rows, make)


def _unmet_need_facts(changed_since, oldest) -> int:
    from liaison.resources.models import UnmetNeed

    qs = UnmetNeed.objects.all()
    if changed_since is None:
        qs = qs.filter(created_at__gte=oldest)
    else:
        qs = qs.filter(updated_at__gte=changed_since)
    rows = list(
        qs.values_list("id", "household__district_id", "household_id", "need_id", "created_at")
    )

    def make(row):
        pk, district_id, hid, need, created = row
        return [
            ActivityFact(
                district_id=district_id,
                household_id=hid,
                source="unmet_need",
                source_id=pk,
                kind="unmet_need",
                at=created,
                category=str(need) if need else UNSPECIFIED,
            )
        ]

    return _remake("unmet_need", rows, make)


def _event_facts(changed_since, oldest) -> int:
    """An event's invitation facts, remade whole when the event, an invitation or a booking changes."""
    from django.contrib.contenttypes.models import ContentType

    from liaison.events.choices import Answer, EventStatus
    from liaison.events.models import Event, Invitation
    from liaison.language.choices import RequestStatus
    from liaison.language.models import InterpreterRequest

    event_type = ContentType.objects.get_for_model(Event)
    if changed_since is None:
        event_ids = set(Event.objects.filter(starts_at__gte=oldest).values_list("pk", flat=True))
    else:
        # Check-ins are written with update(), which leaves updated_at alone.
        event_ids = set(
            Event.objects.filter(updated_at__gte=changed_since).values_list("pk", flat=True)
        )
        event_ids |= set(
            Invitation.objects.filter(
                Q(updated_at__gte=changed_since) | Q(checked_in_at__gte=changed_since)
            ).values_list("event_id", flat=True)
        )
        event_ids |= set(
            InterpreterRequest.objects.filter(
                content_type=event_type, updated_at__gte=changed_since
            ).values_list("object_id", flat=True)
        )
    if not event_ids:
        return 0
    events = {
        pk: (district_id, starts_at, interpretation, status)
        for pk, district_id, starts_at, interpretation, status in Event.objects.filter(
            pk__in=list(event_ids)
        ).values_list("pk", "district_id", "starts_at", "interpretation", "status")
    }
    invitations = defaultdict(list)
    for row in Invitation.objects.filter(
        event_id__in=[pk for pk, e in events.items() if e[3] == EventStatus.SCHEDULED],
        household__isnull=False,
    ).values_list("event_id", "household_id", "answer", "checked_in_at", "interpreter_language"):
        invitations[row[0]].append(row[1:])
    # An interpreter booked for this family at this event (language app) meets the request too.
    booked = {
        (event_id, hid, metrics.base_language(lang))
        for event_id, hid, lang in InterpreterRequest.objects.filter(
            content_type=event_type,
            object_id__in=list(invitations),
            status__in=[RequestStatus.ASSIGNED, RequestStatus.CONFIRMED, RequestStatus.DONE],
        ).values_list("object_id", "household_id", "language")
    }

    def make(row):
        event_id = row[0]
        district_id, starts_at, interpretation, _status = events[event_id]
        offered = {metrics.base_language(t) for t in interpretation or []}
        out = []
        for hid, answer, checked_in, wanted in invitations.get(event_id, ()):
            fact = {
                "district_id": district_id,
                "household_id": hid,
                "source": "event",
                "source_id": event_id,
                "at": starts_at,
            }
            out.append(ActivityFact(kind="event_invited", **fact))
            if answer == Answer.YES:
                out.append(ActivityFact(kind="event_rsvp_yes", **fact))
            if checked_in:
                out.append(ActivityFact(kind="event_attended", **fact))
            if wanted:
                wanted = metrics.base_language(wanted)
                out.append(ActivityFact(kind="interpreter_requested", language=wanted, **fact))
                if wanted in offered or (event_id, hid, wanted) in booked:
                    out.append(ActivityFact(kind="interpreter_met", language=wanted, **fact))
        return out

    return _remake("event", [(pk,) for pk in events], make)


# --- rollups: today's figures from the facts --------------------------------------------------


def activity_rollups(add, *, district_id, now) -> None:
    """Add concern, referral and event figures for every scope of the district to `add`."""
    from liaison.resources.choices import ReferralStatus

    since = now - dt.timedelta(days=metrics.PERIOD_DAYS)
    since_advocacy = now - dt.timedelta(days=metrics.ADVOCACY_DAYS)
    facts = list(
        ActivityFact.objects.filter(
            district_id=district_id, at__gte=min(since, since_advocacy), at__lt=now
        ).values_list("household_id", "kind", "at", "category", "outcome", "language", "hours")
    )
    if not facts:
        return
    scopes, language = _memberships(district_id, {f[0] for f in facts if f[0] is not None})
    tally = _Tally(district_id, scopes)
    all_ = (Dimension.ALL, "all")

    for hid, kind, at, category, outcome, wanted, hours in facts:
        theme = (Dimension.CATEGORY, category)
        recent = at >= since
        if kind == "concern_raised":
            if recent:
                tally.count(hid, "concerns_opened", [all_, theme])
            if at >= since_advocacy:
                tally.count(hid, "advocacy_concerns", [theme], sites_only=True)
        elif kind == "concern_resolved" and recent:
            by = [all_, theme, (Dimension.OUTCOME, outcome)]
            tally.count(hid, "concerns_resolved", by)
            tally.duration(hid, "concern_resolve", by, hours)
        elif kind == "referral_sent" and recent:
            tally.count(hid, "referrals_sent", [all_, theme])
        elif kind == "referral_closed":
            if recent:
                tally.count(hid, "referrals_closed", [all_, theme])
                if outcome == ReferralStatus.NEED_MET:
                    tally.count(hid, "referrals_need_met", [all_, theme])
                elif outcome == ReferralStatus.NEED_NOT_MET:
                    tally.count(hid, "unmet_needs", [all_, theme])
            if outcome == ReferralStatus.NEED_NOT_MET and at >= since_advocacy:
                tally.count(hid, "advocacy_unmet", [theme], sites_only=True)
        elif kind == "unmet_need":
            if recent:
                tally.count(hid, "unmet_needs", [all_, theme])
            if at >= since_advocacy:
                tally.count(hid, "advocacy_unmet", [theme], sites_only=True)
        elif kind in ("event_invited", "event_rsvp_yes", "event_attended") and recent:
            tally.count(hid, kind, [all_, (Dimension.LANGUAGE, language.get(hid, UNSPECIFIED))])
        elif kind in ("interpreter_requested", "interpreter_met") and recent:
            tally.count(hid, kind, [all_, (Dimension.LANGUAGE, wanted)])
    tally.emit(add)
