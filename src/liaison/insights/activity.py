"""Concern, referral and event figures for the rollups (run by the refresh task, never in a request).

The apps' rows become ActivityFacts incrementally (only rows changed since the last run are read);
each figure is then counted from the facts for the district, each site and each liaison's caseload
the household belongs to (its HouseholdDimension rows), over the windows that metrics.py defines.
"""

# ruff: noqa: S608 - SQL built from the models' table names; values travel as parameters

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liaison.core.i18n import base_language
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
    """Bring ActivityFact up to date; returns how many facts were (re)made.

    The first run, or full=True, remakes every fact of the last ADVOCACY_DAYS; later runs remake
    only the facts of concerns, referrals, unmet needs and events changed since the last run (by
    their updated_at, an invitation's check-in time and an interpreter booking's updated_at).
    Set-based: one INSERT ... SELECT per kind of source row (interpreter requests, a few, in Python)."""
    from django.db import connection

    now = now or timezone.now()
    started = timezone.now()  # the cursor follows the clock the apps stamp updated_at with
    cursor, _ = SourceCursor.objects.get_or_create(name="activity")
    changed_since = None if full or cursor.last_time is None else cursor.last_time - OVERLAP
    oldest = now - dt.timedelta(days=metrics.ADVOCACY_DAYS)
    ops = connection.ops
    with transaction.atomic(), connection.cursor() as sql:
        if changed_since is None:
            ActivityFact.objects.all().delete()
            since_param = ops.adapt_datetimefield_value(oldest)
        else:
            # Facts older than any window are never read again.
            ActivityFact.objects.filter(at__lt=oldest - dt.timedelta(days=1)).delete()
            since_param = ops.adapt_datetimefield_value(changed_since)
        made = 0
        for source, select, where_full, where_changed in _row_sources(connection):
            where = where_full if changed_since is None else where_changed
            params = [since_param] * where.count("%s")
            if changed_since is not None:
                table, alias = select.table
                sql.execute(
                    f"DELETE FROM {FACTS} WHERE source = %s AND source_id IN "
                    f"(SELECT {alias}.id FROM {table} {alias} WHERE {where})",
                    [source, *params],
                )
            for statement, statement_params in select.statements:
                sql.execute(
                    f"INSERT INTO {FACTS} ({FACT_COLUMNS}) {statement} AND ({where})",
                    [*statement_params, *params],
                )
                made += sql.rowcount
        made += _event_facts(sql, changed_since, oldest)
        cursor.last_time = started
        cursor.updated_at = started
        cursor.save(update_fields=["last_time", "updated_at"])
    return made


FACTS = ActivityFact._meta.db_table
FACT_COLUMNS = (
    "district_id, household_id, source, source_id, kind, at, category, outcome, language, hours"
)


class _Select:
    """INSERT-able SELECTs over one table (aliased), each ending in a WHERE the caller extends."""

    def __init__(self, table, alias, statements):
        self.table = (table, alias)
        self.statements = statements


def _hours_between(connection, start, end):
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"
    return f"((julianday({end}) - julianday({start})) * 24.0)"


def _uuid_text(connection, column):
    """A UUID column as str(uuid) writes it (SQLite keeps the 32 hex digits without hyphens)."""
    if connection.vendor == "postgresql":
        return f"CAST({column} AS TEXT)"
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    pieces = " || '-' || ".join(f"substr({column}, {a}, {n})" for a, n in parts)
    return f"lower({pieces})"


def _row_sources(connection):
    """(source, _Select, WHERE for a full rebuild, WHERE for rows changed since %s)."""
    from liaison.concerns.choices import Status
    from liaison.concerns.models import Concern, ConcernCategory
    from liaison.people.models import Household
    from liaison.resources.choices import CLOSED, ReferralStatus
    from liaison.resources.models import Referral, UnmetNeed

    concern, category = Concern._meta.db_table, ConcernCategory._meta.db_table
    referral, unmet = Referral._meta.db_table, UnmetNeed._meta.db_table
    household = Household._meta.db_table
    hours = _hours_between(connection, "c.created_at", "c.resolved_at")
    concern_from = f"FROM {concern} c LEFT JOIN {category} cc ON cc.id = c.category_id WHERE 1 = 1"
    concern_category = "COALESCE(NULLIF(cc.code, ''), %s)"
    closed = sorted(str(s) for s in CLOSED)
    referral_from = f"FROM {referral} r JOIN {household} h ON h.id = r.household_id WHERE 1 = 1"
    # Needs are taxonomy terms, keyed by UUID.
    referral_category = f"COALESCE({_uuid_text(connection, 'r.need_id')}, %s)"
    return [
        (
            "concern",
            _Select(
                concern,
                "c",
                [
                    (
                        "SELECT c.district_id, c.household_id, 'concern', c.id, 'concern_raised', "
                        f"c.created_at, {concern_category}, '', '', NULL {concern_from}",
                        [UNSPECIFIED],
                    ),
                    (
                        "SELECT c.district_id, c.household_id, 'concern', c.id, "
                        f"'concern_resolved', c.resolved_at, {concern_category}, "
                        f"COALESCE(NULLIF(c.satisfaction, ''), %s), '', {hours} {concern_from} "
                        "AND c.resolved_at IS NOT NULL AND c.status IN (%s, %s)",
                        [UNSPECIFIED, metrics.NO_ANSWER, str(Status.RESOLVED), str(Status.CLOSED)],
                    ),
                ],
            ),
            "c.created_at >= %s OR c.resolved_at >= %s",
            "c.updated_at >= %s",
        ),
        (
            "referral",
            _Select(
                referral,
                "r",
                [
                    (
                        "SELECT h.district_id, r.household_id, 'referral', r.id, 'referral_sent', "
                        f"r.created_at, {referral_category}, '', '', NULL {referral_from} "
                        "AND r.status <> %s",
                        [UNSPECIFIED, str(ReferralStatus.SUGGESTED)],
                    ),
                    (
                        "SELECT h.district_id, r.household_id, 'referral', r.id, "
                        f"'referral_closed', r.closed_at, {referral_category}, r.status, '', NULL "
                        f"{referral_from} AND r.closed_at IS NOT NULL "
                        f"AND r.status IN ({', '.join(['%s'] * len(closed))})",
                        [UNSPECIFIED, *closed],
                    ),
                ],
            ),
            "r.created_at >= %s OR r.closed_at >= %s",
            "r.updated_at >= %s",
        ),
        (
            "unmet_need",
            _Select(
                unmet,
                "u",
                [
                    (
                        "SELECT h.district_id, u.household_id, 'unmet_need', u.id, 'unmet_need', "
                        f"u.created_at, COALESCE({_uuid_text(connection, 'u.need_id')}, %s), '', '', NULL "
                        f"FROM {unmet} u JOIN {household} h ON h.id = u.household_id WHERE 1 = 1",
                        [UNSPECIFIED],
                    )
                ],
            ),
            "u.created_at >= %s",
            "u.updated_at >= %s",
        ),
    ]


def _event_facts(sql, changed_since, oldest) -> int:
    """An event's invitation facts, remade whole when the event, an invitation or a booking changes."""
    from django.contrib.contenttypes.models import ContentType

    from liaison.events.choices import Answer, EventStatus
    from liaison.events.models import Event, Invitation
    from liaison.language.choices import RequestStatus
    from liaison.language.models import InterpreterRequest

    event_type = ContentType.objects.get_for_model(Event)
    events = Event.objects.all()
    if changed_since is None:
        events = events.filter(starts_at__gte=oldest)
    else:
        # Check-ins are written with update(), which leaves updated_at alone.
        changed = Q(updated_at__gte=changed_since)
        changed |= Q(
            pk__in=Invitation.objects.filter(
                Q(updated_at__gte=changed_since) | Q(checked_in_at__gte=changed_since)
            ).values("event_id")
        )
        changed |= Q(
            pk__in=InterpreterRequest.objects.filter(
                content_type=event_type, updated_at__gte=changed_since
            ).values("object_id")
        )
        events = events.filter(changed)
    event_ids = list(events.values_list("pk", flat=True))
    if not event_ids:
        return 0
    event, invitation = Event._meta.db_table, Invitation._meta.db_table
    made = 0
    for start in range(0, len(event_ids), 2_000):
        ids = event_ids[start : start + 2_000]
        among = ", ".join(["%s"] * len(ids))
        if changed_since is not None:
            sql.execute(
                f"DELETE FROM {FACTS} WHERE source = %s AND source_id IN ({among})",
                ["event", *ids],
            )
        for kind, condition, params in [
            ("event_invited", "", []),
            ("event_rsvp_yes", "AND i.answer = %s", [str(Answer.YES)]),
            ("event_attended", "AND i.checked_in_at IS NOT NULL", []),
        ]:
            sql.execute(
                f"INSERT INTO {FACTS} ({FACT_COLUMNS}) "
                "SELECT e.district_id, i.household_id, 'event', e.id, %s, e.starts_at, "
                f"'', '', '', NULL FROM {invitation} i JOIN {event} e ON e.id = i.event_id "
                f"WHERE e.status = %s AND i.household_id IS NOT NULL {condition} "
                f"AND e.id IN ({among})",
                [kind, str(EventStatus.SCHEDULED), *params, *ids],
            )
            made += sql.rowcount
    # Interpreter requests (a few per event) compare language tags, simpler in Python.
    wanted = list(
        Invitation.objects.filter(
            event_id__in=event_ids,
            event__status=EventStatus.SCHEDULED,
            household__isnull=False,
        )
        .exclude(interpreter_language="")
        .values_list(
            "event_id",
            "event__district_id",
            "event__starts_at",
            "event__interpretation",
            "household_id",
            "interpreter_language",
        )
    )
    # An interpreter booked for this family at this event (language app) meets the request too.
    booked = {
        (event_id, hid, base_language(lang))
        for event_id, hid, lang in InterpreterRequest.objects.filter(
            content_type=event_type,
            object_id__in={w[0] for w in wanted},
            status__in=[RequestStatus.ASSIGNED, RequestStatus.CONFIRMED, RequestStatus.DONE],
        ).values_list("object_id", "household_id", "language")
    }
    facts = []
    for event_id, district_id, starts_at, interpretation, hid, language in wanted:
        language = base_language(language)
        offered = {base_language(t) for t in interpretation or []}
        fact = {
            "district_id": district_id,
            "household_id": hid,
            "source": "event",
            "source_id": event_id,
            "at": starts_at,
            "language": language,
        }
        facts.append(ActivityFact(kind="interpreter_requested", **fact))
        if language in offered or (event_id, hid, language) in booked:
            facts.append(ActivityFact(kind="interpreter_met", **fact))
    ActivityFact.objects.bulk_create(facts, batch_size=5_000)
    return made + len(facts)


# --- rollups: today's figures from the facts --------------------------------------------------


def activity_rollups(add, *, district_id, now) -> None:
    """Add concern, referral and event figures for every scope of the district to `add`, over
    each of metrics.PERIODS (the default period's under the plain metric name)."""
    since_advocacy = now - dt.timedelta(days=metrics.ADVOCACY_DAYS)
    oldest = min(since_advocacy, now - dt.timedelta(days=max(metrics.PERIODS)))
    facts = list(
        ActivityFact.objects.filter(
            district_id=district_id, at__gte=oldest, at__lt=now
        ).values_list("household_id", "kind", "at", "category", "outcome", "language", "hours")
    )
    if not facts:
        return
    scopes, language = _memberships(district_id, {f[0] for f in facts if f[0] is not None})
    for days in metrics.PERIODS:
        tally = _Tally(district_id, scopes)
        _count(
            tally,
            facts,
            language,
            since=now - dt.timedelta(days=days),
            since_advocacy=since_advocacy if days == metrics.PERIOD_DAYS else None,
        )

        def add_for_period(scope, scope_id, metric, *rest, days=days):
            add(scope, scope_id, metrics.period_metric(metric, days), *rest)

        tally.emit(add_for_period)


def _count(tally, facts, language, *, since, since_advocacy) -> None:
    """Tally the facts since `since`; the advocacy themes too when since_advocacy is given."""
    from liaison.resources.choices import ReferralStatus

    all_ = (Dimension.ALL, "all")
    advocacy = since_advocacy is not None
    for hid, kind, at, category, outcome, wanted, hours in facts:
        theme = (Dimension.CATEGORY, category)
        recent = at >= since
        if kind == "concern_raised":
            if recent:
                tally.count(hid, "concerns_opened", [all_, theme])
            if advocacy and at >= since_advocacy:
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
            if advocacy and outcome == ReferralStatus.NEED_NOT_MET and at >= since_advocacy:
                tally.count(hid, "advocacy_unmet", [theme], sites_only=True)
        elif kind == "unmet_need":
            if recent:
                tally.count(hid, "unmet_needs", [all_, theme])
            if advocacy and at >= since_advocacy:
                tally.count(hid, "advocacy_unmet", [theme], sites_only=True)
        elif kind in ("event_invited", "event_rsvp_yes", "event_attended") and recent:
            tally.count(hid, kind, [all_, (Dimension.LANGUAGE, language.get(hid, UNSPECIFIED))])
        elif kind in ("interpreter_requested", "interpreter_met") and recent:
            tally.count(hid, kind, [all_, (Dimension.LANGUAGE, wanted)])
