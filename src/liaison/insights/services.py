"""Keeping the rollups current (collect, refresh, roll up) and reading them for dashboards and lists."""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from liaison.attendance import atrisk as attendance_atrisk
from liaison.core import metrics as core_metrics
from liaison.insights import activity, attendance, engagement, metrics, sources
from liaison.insights.choices import Dimension, Scope
from liaison.insights.models import (
    AtRiskRules,
    ContactFact,
    HouseholdDimension,
    HouseholdEngagement,
    ResponseFact,
    Rollup,
    SourceCursor,
)

BATCH = 5_000


# --- collection ------------------------------------------------------------------------------


def collect_facts(*, batch: int = BATCH) -> set[int]:
    """Read every source past its cursor; returns the households that got new facts."""
    touched: set[int] = set()
    for name, fn in sources.all_sources().items():
        cursor, _ = SourceCursor.objects.get_or_create(name=name)
        while True:
            facts = fn(cursor.last_id, batch)
            if not facts:
                break
            _store_facts(facts, cursor, last_id=facts[-1].source_id)
            touched.update(f.household_id for f in facts)
            if len(facts) < batch:
                break
    for name, fn in sources.timed_sources().items():
        cursor, _ = SourceCursor.objects.get_or_create(name=name)
        facts = fn(cursor.last_time, batch * 10)
        if facts:
            _store_facts(facts, cursor, last_time=facts[-1].at)
            touched.update(f.household_id for f in facts)
    return touched


def _store_facts(facts: list[ContactFact], cursor: SourceCursor, **position) -> None:
    """Save a source's new facts and move its cursor past them, together."""
    with transaction.atomic():
        ContactFact.objects.bulk_create(facts, ignore_conflicts=True, batch_size=2_000)
        for field, value in position.items():
            setattr(cursor, field, value)
        cursor.updated_at = timezone.now()
        cursor.save(update_fields=[*position, "updated_at"])


def collect_responses(*, batch: int = BATCH) -> set[int]:
    """Family messages become ResponseFacts; those still waiting get their first staff reply filled in."""
    from liaison.messaging.choices import Direction, MessageKind
    from liaison.messaging.models import Message

    touched: set[int] = set()
    cursor, _ = SourceCursor.objects.get_or_create(name="responses")
    while True:
        rows = list(
            Message.objects.filter(
                direction=Direction.IN, id__gt=cursor.last_id, conversation__isnull=False
            )
            .order_by("id")
            .values_list(
                "id", "conversation_id", "district_id", "conversation__household_id", "created_at"
            )[:batch]
        )
        if not rows:
            break
        with transaction.atomic():
            ResponseFact.objects.bulk_create(
                [
                    ResponseFact(
                        message_id=pk,
                        conversation_id=conv,
                        district_id=district,
                        engagement_id=household,
                        received_at=at,
                    )
                    for pk, conv, district, household, at in rows
                ],
                ignore_conflicts=True,
                batch_size=2_000,
            )
            cursor.last_id = rows[-1][0]
            cursor.save(update_fields=["last_id"])
        touched.update(r[3] for r in rows)
        if len(rows) < batch:
            break
    first_reply = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            direction=Direction.OUT,
            kind=MessageKind.CONVERSATION,
            created_at__gt=OuterRef("received_at"),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    waiting = ResponseFact.objects.filter(replied_at__isnull=True)
    answered = list(
        waiting.annotate(first=Subquery(first_reply))
        .filter(first__isnull=False)
        .values_list("pk", "first", "received_at", "engagement_id")
    )
    updates = [
        ResponseFact(pk=pk, replied_at=first, seconds=int((first - received).total_seconds()))
        for pk, first, received, _ in answered
    ]
    ResponseFact.objects.bulk_update(updates, ["replied_at", "seconds"], batch_size=2_000)
    touched.update(r[3] for r in answered)
    return touched


def prune_facts(*, now=None, batch: int = BATCH) -> int:
    """Keep the contact and response facts bounded: remove those no figure reads any more.

    Every figure over facts looks back at most max(metrics.PERIODS) days (the response times 30),
    except a household's last contact and last two-way contact, which may be older: those facts
    are kept, whatever their age. What goes are facts derived from rows that stay in their apps'
    tables (messages, contact logs, check-ins), in batches (short transactions on SQLite too).
    Issue #22.5: without this the tables grow by every message a family ever sent, and every
    refresh visits each unanswered message since the first. Returns how many were removed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=max(metrics.PERIODS) + 1)
    newer = ContactFact.objects.filter(household_id=OuterRef("household_id"), at__gt=OuterRef("at"))
    superseded = ContactFact.objects.filter(at__lt=cutoff).filter(
        Exists(newer.filter(two_way=True)) | (Q(two_way=False) & Exists(newer))
    )
    removed = 0
    for old in (ResponseFact.objects.filter(received_at__lt=cutoff), superseded):
        while True:
            ids = list(old.values_list("pk", flat=True)[:batch])
            if not ids:
                break
            removed += old.model.objects.filter(pk__in=ids).delete()[0]
    return removed


FULL_REFRESH_ABOVE = 20_000


def refresh_engagement(household_ids=None, *, now=None) -> int:
    """Recompute HouseholdEngagement and HouseholdDimension for these households (all when None).

    Set-based: one INSERT ... SELECT per table over grouped facts and deliveries, so a full
    rebuild costs a few scans rather than a Python loop over every household. A given list of
    households is done in chunks (the ids travel as parameters)."""
    now = now or timezone.now()
    if household_ids is None:
        return engagement.refresh_households(None, now)
    ids = sorted({i for i in household_ids if i is not None})
    if len(ids) > FULL_REFRESH_ABOVE:
        # Past this many (a bulk import, the first run), refreshing every household in one pass is
        # several times cheaper than the chunks; it gives the same rows for these households.
        return engagement.refresh_households(None, now)
    return sum(
        engagement.refresh_households(ids[start : start + engagement.CHUNK], now)
        for start in range(0, len(ids), engagement.CHUNK)
    )


# --- rollups ----------------------------------------------------------------------------------

BREAKDOWNS = [
    Dimension.ALL,
    Dimension.SITE,
    Dimension.LANGUAGE,
    Dimension.PROGRAMME,
    Dimension.GRADE,
]


def unreached_days(district_id) -> int:
    rules = AtRiskRules.objects.filter(district_id=district_id).first()
    return rules.no_contact_days if rules else 60


SCOPE_DIMENSIONS = {Scope.SITE: Dimension.SITE, Scope.CASELOAD: Dimension.LIAISON}


def rebuild_rollups(*, district_id, now=None) -> int:
    """Today's figures for every scope of a district, from the engagement table (no raw history).

    Each figure is one grouped query for all scopes of a kind (the district, every site, every
    caseload) rather than a query per scope, so the rebuild stays flat as sites are added."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    n_days = unreached_days(district_id)
    cut = {
        30: now - dt.timedelta(days=30),
        90: now - dt.timedelta(days=90),
        "n": now - dt.timedelta(days=n_days),
    }
    activity.collect_activity(now=now)  # the concerns, referrals and events changed since last run
    out = []

    def add(scope, scope_id, metric, dimension, value, number):
        out.append(
            Rollup(
                district_id=district_id,
                scope=scope,
                scope_id=scope_id,
                day=day,
                metric=metric,
                dimension=dimension,
                value=value,
                number=number,
            )
        )

    _reach_rollups(add, district_id, cut)
    _response_rollups(add, district_id, since=cut[30])
    _delivery_rollups(add, district_id, since=cut[30])
    activity.activity_rollups(add, district_id=district_id, now=now)
    attendance.attendance_rollups(add, district_id)
    with transaction.atomic():
        Rollup.objects.filter(district_id=district_id, day=day).delete()
        Rollup.objects.bulk_create(out, batch_size=5_000)
    return len(out)


def _reach_rollups(add, district_id, cut):
    base = HouseholdDimension.objects.filter(
        engagement__district_id=district_id,
        engagement__is_active=True,
        dimension__in=BREAKDOWNS,
    )
    counts = {
        "households": Count("engagement_id"),
        "r30": Count("engagement_id", filter=Q(engagement__last_two_way_at__gte=cut[30])),
        "r90": Count("engagement_id", filter=Q(engagement__last_two_way_at__gte=cut[90])),
        "unreached": Count(
            "engagement_id",
            filter=Q(engagement__last_two_way_at__lt=cut["n"])
            | Q(engagement__last_two_way_at__isnull=True),
        ),
        "failing": Count("engagement_id", filter=Q(engagement__all_channels_failing=True)),
    }
    grouped = [(Scope.DISTRICT, None, base.values("dimension", "value").annotate(**counts))]
    for scope, dimension in SCOPE_DIMENSIONS.items():
        # The same household's scope row (its site, its liaison) joined beside each breakdown row.
        rows = (
            base.filter(engagement__dimensions__dimension=dimension)
            .values("engagement__dimensions__value", "dimension", "value")
            .annotate(**counts)
        )
        grouped.append((scope, "engagement__dimensions__value", rows))
    for scope, key, rows in grouped:
        for r in rows:
            scope_id = district_id if key is None else int(r[key])
            dimension, value = r["dimension"], r["value"]
            add(scope, scope_id, "households", dimension, value, r["households"])
            add(
                scope,
                scope_id,
                "reach_30",
                dimension,
                value,
                metrics.share(r["r30"], r["households"]),
            )
            add(
                scope,
                scope_id,
                "reach_90",
                dimension,
                value,
                metrics.share(r["r90"], r["households"]),
            )
            add(scope, scope_id, "unreached", dimension, value, r["unreached"])
            add(scope, scope_id, "all_channels_failing", dimension, value, int(r["failing"]))


def _scope_members(household_ids):
    """household id -> [(scope, scope_id)] for its sites and liaisons' caseloads."""
    out = defaultdict(list)
    ids = list(household_ids)
    kinds = {v: k for k, v in SCOPE_DIMENSIONS.items()}
    for start in range(0, len(ids), 5_000):
        for hid, dimension, value in HouseholdDimension.objects.filter(
            engagement_id__in=ids[start : start + 5_000], dimension__in=list(kinds)
        ).values_list("engagement_id", "dimension", "value"):
            out[hid].append((kinds[dimension], int(value)))
    return out


def _response_rollups(add, district_id, *, since):
    rows = list(
        ResponseFact.objects.filter(
            district_id=district_id,
            engagement__is_active=True,
            received_at__gte=since,
            seconds__isnull=False,
        ).values_list(
            "engagement_id",
            "seconds",
            "engagement__dimensions__dimension",
            "engagement__dimensions__value",
        )
    )
    members = _scope_members({r[0] for r in rows})
    by_value = defaultdict(list)
    for hid, seconds, dimension, value in rows:
        if dimension not in BREAKDOWNS:
            continue
        for scope, scope_id in [(Scope.DISTRICT, district_id), *members.get(hid, ())]:
            by_value[(scope, scope_id, dimension, value)].append(seconds / 3600)
    for (scope, scope_id, dimension, value), hours in by_value.items():
        add(scope, scope_id, "response_median", dimension, value, metrics.median(hours))
        add(scope, scope_id, "response_p90", dimension, value, metrics.percentile(hours, 90))
        add(scope, scope_id, "responses", dimension, value, len(hours))


def _delivery_rollups(add, district_id, *, since):
    """Failure rate by channel and language, and translation coverage, for every scope at once.

    Plain SQL (the same on SQLite and PostgreSQL): deliveries joined to the household's scope rows,
    which the ORM cannot express without a relation between the two tables."""
    from django.db import connection

    from liaison.messaging.models import Delivery, Message, Rendering

    delivery, message = Delivery._meta.db_table, Message._meta.db_table
    rendering, dims = Rendering._meta.db_table, HouseholdDimension._meta.db_table
    since_db = connection.ops.adapt_datetimefield_value(since)
    scopes = [(Scope.DISTRICT, "", None)] + [
        (
            scope,
            f"JOIN {dims} hd ON hd.household_id = d.household_id AND hd.dimension = %s",
            dimension,
        )
        for scope, dimension in SCOPE_DIMENSIONS.items()
    ]
    with connection.cursor() as cursor:
        for scope, join, dimension in scopes:
            key = "hd.value, " if join else ""
            # One scan per kind of scope; the few thousand groups are summed up below.
            cursor.execute(
                f"SELECT {key}d.channel, d.language, r.method, COUNT(*), "  # noqa: S608 - names from the models
                "SUM(CASE WHEN d.state IN ('sent', 'delivered', 'failed') THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN d.state = 'failed' THEN 1 ELSE 0 END) "
                f"FROM {delivery} d JOIN {message} m ON m.id = d.message_id "
                f"LEFT JOIN {rendering} r ON r.message_id = d.message_id "
                f"AND r.language = d.language {join} "
                "WHERE m.district_id = %s AND d.created_at >= %s "
                f"GROUP BY {key}d.channel, d.language, r.method",
                [*([str(dimension)] if join else []), district_id, since_db],
            )
            finished = defaultdict(int)
            failed = defaultdict(int)
            methods = defaultdict(int)
            for row in cursor.fetchall():
                scope_id = int(row[0]) if join else district_id
                channel, language, method, n, done, bad = row[-6:]
                for dim, value in ((Dimension.CHANNEL, channel), (Dimension.LANGUAGE, language)):
                    finished[(scope_id, dim, value)] += int(done or 0)
                    failed[(scope_id, dim, value)] += int(bad or 0)
                methods[(scope_id, language, method or "original")] += int(n)
            for (scope_id, dim, value), total in finished.items():
                if total:
                    rate = metrics.share(failed[(scope_id, dim, value)], total)
                    add(scope, scope_id, "delivery_failure_rate", dim, value, rate)
                    add(scope, scope_id, "deliveries", dim, value, total)
            for (scope_id, language, method), n in methods.items():
                add(scope, scope_id, f"translation_{method}", Dimension.LANGUAGE, language, n)


def refresh_all(*, now=None, full=False) -> dict:
    """Collect new facts, refresh the households they touch, rebuild today's rollups for every district.

    full=True recomputes every household's engagement and every concern, referral and event fact
    of the year from scratch (what the incremental runs keep current), then the rollups. How long
    it took goes to /metrics (liaison_rollup_duration_seconds)."""
    with core_metrics.timed(core_metrics.ROLLUP_SECONDS, mode="full" if full else "incremental"):
        return _refresh_all(now=now, full=full)


def _refresh_all(*, now, full) -> dict:
    from liaison.people.models import District

    touched = collect_facts() | collect_responses()
    prune_facts(now=now)
    if full or not HouseholdEngagement.objects.exists():
        refreshed = refresh_engagement(now=now)
    else:
        refreshed = refresh_engagement(touched, now=now) if touched else 0
        # Time passes for households with no new facts too; reach windows are computed from the
        # stored timestamps, so they need no refresh — but deliveries change: refresh those updated lately.
        refreshed += refresh_engagement(_households_with_recent_deliveries(), now=now)
    if full:
        activity.collect_activity(now=now, full=True)
    # The attendance at-risk scores count two-way contact: score again the families just heard from.
    if touched:
        attendance_atrisk.refresh_households(touched)
    rollups = sum(
        rebuild_rollups(district_id=d, now=now)
        for d in District.objects.values_list("id", flat=True)
    )
    return {"households": refreshed, "rollups": rollups}


def _households_with_recent_deliveries():
    from liaison.messaging.models import Delivery

    cursor, _ = SourceCursor.objects.get_or_create(name="deliveries")
    since = cursor.last_time or timezone.now() - dt.timedelta(days=metrics.FAILURE_WINDOW_DAYS)
    now = timezone.now()
    ids = set(
        Delivery.objects.filter(updated_at__gte=since).values_list("household_id_copy", flat=True)
    )
    cursor.last_time = now
    cursor.save(update_fields=["last_time"])
    return ids


# --- reading ----------------------------------------------------------------------------------


def latest_day(scope, scope_id):
    return (
        Rollup.objects.filter(scope=scope, scope_id=scope_id)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def figures(scope, scope_id, *, day=None, period=metrics.PERIOD_DAYS) -> dict:
    """{metric: {dimension: {value: number}}} for one scope and day (the latest by default).

    Concern, referral and event figures are those over `period` days (one of metrics.PERIODS),
    under their plain names."""
    day = day or latest_day(scope, scope_id)
    out: dict = defaultdict(lambda: defaultdict(dict))
    if day is None:
        return out
    suffix = metrics.period_metric("", period)
    chosen: dict = defaultdict(lambda: defaultdict(dict))
    for metric, dimension, value, number in Rollup.objects.filter(
        scope=scope, scope_id=scope_id, day=day
    ).values_list("metric", "dimension", "value", "number"):
        if "@" not in metric:
            out[metric][dimension][value] = number
        elif suffix and metric.endswith(suffix):
            chosen[metric.removesuffix(suffix)][dimension][value] = number
    if suffix:
        # The default period's figures give way to the chosen period's (none when nothing happened).
        for metric in PERIOD_METRICS:
            out.pop(metric, None)
        out.update(chosen)
    return out


# The figures counted over a period (the rest have windows of their own).
PERIOD_METRICS = {
    "concerns_opened",
    "concerns_resolved",
    "concern_resolve_median",
    "concern_resolve_p90",
    "referrals_sent",
    "referrals_closed",
    "referrals_need_met",
    "unmet_needs",
    "event_invited",
    "event_rsvp_yes",
    "event_attended",
    "interpreter_requested",
    "interpreter_met",
}


def previous_day(scope, scope_id, *, day, period):
    """The latest day with figures a whole period before `day`: what "the previous period" was."""
    return (
        Rollup.objects.filter(
            scope=scope, scope_id=scope_id, day__lte=day - dt.timedelta(days=period)
        )
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def trend(scope, scope_id, metric="reach_30", *, days=84) -> list[tuple[dt.date, float | None]]:
    since = timezone.localdate() - dt.timedelta(days=days)
    return list(
        Rollup.objects.filter(
            scope=scope, scope_id=scope_id, metric=metric, dimension=Dimension.ALL, day__gte=since
        )
        .order_by("day")
        .values_list("day", "number")
    )


def engaged_in_scope(scope, scope_id):
    """The active households' engagement rows of a district, a site or a liaison's caseload."""
    engaged = HouseholdEngagement.objects.filter(is_active=True)
    if scope == Scope.SITE:
        return engaged.filter(dimensions__dimension=Dimension.SITE, dimensions__value=str(scope_id))
    if scope == Scope.CASELOAD:
        return engaged.filter(
            dimensions__dimension=Dimension.LIAISON, dimensions__value=str(scope_id)
        )
    return engaged.filter(district_id=scope_id)


def engaged_households(user, engaged):
    """The households of these engagement rows that the user may see, each with its last two-way
    contact (`last_two_way_at`) and whether every channel is failing (`all_failing`)."""
    from liaison.people.models import Household

    last = HouseholdEngagement.objects.filter(household_id=OuterRef("pk"))
    return (
        Household.objects.visible_to(user)
        .filter(id__in=engaged.values("household_id"))
        .annotate(
            last_two_way_at=Subquery(last.values("last_two_way_at")[:1]),
            all_failing=Subquery(last.values("all_channels_failing")[:1]),
        )
        .select_related("site")
        .with_labels()  # guardians, phone's last four and children tell look-alikes apart
    )


def households_behind(
    *, user, scope, scope_id, metric, dimension=Dimension.ALL, value="all", now=None
):
    """The households behind a figure (drill-down), visible to the user, least recently reached first."""
    now = now or timezone.now()
    engaged = engaged_in_scope(scope, scope_id)
    if dimension != Dimension.ALL:
        engaged = engaged.filter(
            household_id__in=HouseholdDimension.objects.filter(
                dimension=dimension, value=value
            ).values("engagement_id")
        )
    if metric == "unreached":
        districts = set(engaged.values_list("district_id", flat=True)[:1])
        n = unreached_days(next(iter(districts))) if districts else 60
        engaged = engaged.filter(
            Q(last_two_way_at__lt=now - dt.timedelta(days=n)) | Q(last_two_way_at__isnull=True)
        )
    elif metric == "all_channels_failing":
        engaged = engaged.filter(all_channels_failing=True)
    elif metric in ("reach_30", "reach_90"):
        days = 30 if metric == "reach_30" else 90
        engaged = engaged.filter(last_two_way_at__gte=now - dt.timedelta(days=days))
    return engaged_households(user, engaged).order_by(
        Coalesce("last_two_way_at", dt.datetime(1970, 1, 1, tzinfo=dt.UTC)), "name"
    )
