"""Attendance operations: keeping every student's measures and tier current after an import, and
changing the district's rules."""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.attendance import atrisk, carry
from liaison.attendance import measures as M
from liaison.attendance.choices import Tier
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceRules,
    StudentAttendance,
    TierChange,
    Unreachable,
    rules_for,
    school_year_of,
)
from liaison.attendance.outreach import outreach_for
from liaison.attendance.tiers import place
from liaison.core.db import IdIn, analyze_on_postgresql, update_rows, upsert_rows
from liaison.core.policy import AssignmentRole
from liaison.people.models import District, HouseholdAssignment
from liaison.worklist import services as worklist
from liaison.worklist.models import Task

CHUNK = 5_000


@dataclass
class RecomputeResult:
    school_year: int
    as_of: dt.date
    recomputed: int  # students computed from all their events
    advanced: int  # students carried forward (over days present, or with a new day's events)
    tier_changes: int
    advanced_with_events: int = 0  # of them, those carried with a new day's events
    # The students computed afresh or whose tier changed: outreach scores them again.
    touched: list[int] = field(default_factory=list)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


COLUMNS = [
    "district_id",
    "student_id",
    "school_year",
    "site_id",
    "as_of",
    "days_enrolled",
    "days_absent",
    "days_unexcused",
    "late_arrivals",
    "rate",
    "chronic",
    "chronic_last_year",
    "rate_last_4_weeks",
    "rate_previous_4_weeks",
    "consecutive_absences",
    "consecutive_unexcused",
    "last_absent_on",
    "tier",
    "tier_reasons",
    "tier_since",
    "support_since",
    "early_absences",
    "computed_at",
]


def _upsert(rows: list[tuple[object, ...]]) -> None:
    """Insert or update StudentAttendance rows (one per student and year): plain tuples through
    core.db.upsert_rows, as the ORM's bulk upsert spends most of a district's recompute preparing
    values (the statement, INSERT … ON CONFLICT DO UPDATE, is the same on SQLite and PostgreSQL)."""
    upsert_rows(StudentAttendance, COLUMNS, rows, conflict=["student_id", "school_year"])


STORED = (
    "student_id",
    "school_year",
    "as_of",
    "days_absent",
    "days_unexcused",
    "late_arrivals",
    "consecutive_absences",
    "consecutive_unexcused",
    "last_absent_on",
    "early_absences",
    "tier",
    "tier_since",
    "support_since",
)
DATES = ("as_of", "last_absent_on", "tier_since", "support_since")


def _stored_rows(
    district: District, year: int, student_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """These students' stored rows of the year (what the placement carries forward)."""
    qs = (
        StudentAttendance.objects.filter(district=district, school_year=year)
        .filter(IdIn("student_id", student_ids))
        .values_list(*STORED)
    )
    parsed: dict[Any, Any] = {}  # dates and JSON lists repeat across students: parse each once
    out: dict[int, dict[str, Any]] = {}
    for values in M.raw_rows(qs):
        row = dict(zip(STORED, values, strict=True))
        for name in DATES:
            raw = row[name]
            if raw is not None and not isinstance(raw, dt.date):
                row[name] = parsed.get(raw) or parsed.setdefault(raw, M.as_date(raw))
        out[row["student_id"]] = row
    return out


# Students computed from all their events in one recompute from which the measures table's
# statistics are brought up to date (a first import; a day computes a few thousand).
FULL_REFRESH = 50_000


def _stored_dates(district: District, year: int) -> dict[int, dt.date]:
    """Each student's stored date of the year (the day their row was brought up to)."""
    qs = StudentAttendance.objects.filter(district=district, school_year=year).values_list(
        "student_id", "as_of"
    )
    parsed: dict[Any, dt.date] = {}
    out: dict[int, dt.date] = {}
    for sid, raw in M.raw_rows(qs):
        day = parsed.get(raw)
        if day is None:
            day = parsed[raw] = M.as_date(raw)
        out[sid] = day
    return out


def recompute(
    *,
    district: District,
    student_ids: Iterable[int] | None,
    as_of: dt.date,
    since: dt.date | None = None,
) -> RecomputeResult:
    """Bring every enrolled student's measures and tier up to `as_of` for its school year.

    `student_ids` are the students whose days changed (an import names them; None: everyone,
    the full recompute), on `since` or later when given: they (but those whose row is dated
    before `since`, whose stored numbers no change reached) and the students with no row yet are
    computed from all their events; everyone else is carried forward by one UPDATE
    (attendance.carry), over days present and the events of a new day (with `since`, a student
    not named whose row is already dated `as_of` is left alone: a day re-imported changed only
    the students named), and only those of them whose tier may have moved are placed again. Both ways give the same rows.
    A tier that changes is recorded as a TierChange with the reasons (a student's first placement
    only when it is above Tier 1)."""
    rules = rules_for(district)
    calendar = M.load_calendar(district, as_of, rules)
    year = calendar.school_year
    spells = M.load_spells(district, calendar, None)
    dates = _stored_dates(district, year)
    named: set[int] = set(spells) if student_ids is None else set(student_ids) & set(spells)
    full = {sid for sid in named if since is None or sid not in dates or dates[sid] >= since}
    full |= set(spells) - set(dates)
    full |= {sid for sid, day in dates.items() if day > as_of}
    # The students with an event after their stored date are carried with it (or, when the
    # UPDATE cannot add it, computed in full); either way their measures moved: outreach scores
    # them again, as it does the students named.
    news: set[int] = set()
    oldest = min(dates.values(), default=None)
    if oldest is not None and oldest < as_of:
        for sid, day in AttendanceEvent.objects.filter(
            district=district, date__gt=oldest, date__lte=as_of
        ).values_list("student_id", "date"):
            stored_on = dates.get(sid)
            if stored_on is not None and day > stored_on:
                news.add(sid)
    last_year = set(
        StudentAttendance.objects.filter(
            district=district, school_year=year - 1, chronic=True
        ).values_list("student_id", flat=True)
    )
    now = timezone.now()
    changes: list[TierChange] = []
    carried = carried_news = 0
    with transaction.atomic():
        # With `since`, a student not named whose row is already dated `as_of` has nothing new
        # (no event of theirs changed, and no day passed): left as it is.
        rest = [
            sid
            for sid in spells
            if sid not in full and (since is None or sid in news or dates.get(sid) != as_of)
        ]
        if rest:
            plan = carry.plan(
                calendar=calendar,
                spells=spells,
                stored_as_of=dates,
                student_ids=rest,
                chronic_last_year=last_year,
            )
            updated = carry.apply(
                district_id=district.pk,
                calendar=calendar,
                rules=rules,
                rows=plan.rows,
                keys=plan.keys,
                now=now,
            )
            # A row not as the plan read it was left alone: computed from its events below
            # (looked for only when the UPDATE carried fewer rows than planned).
            planned = {row[0] for row in plan.rows}
            left = (
                {
                    sid
                    for sid in StudentAttendance.objects.filter(district=district, school_year=year)
                    .exclude(computed_at=now)
                    .values_list("student_id", flat=True)
                    if sid in planned
                }
                if updated < len(planned)
                else set()
            )
            full |= left | set(plan.refused)
            carried = len(planned) - len(left)
            carried_news = len((planned - left) & news)
            changes += _place_carried(district, rules, calendar, now)
        full_ids = sorted(full)
        changes += _compute_in_full(district, rules, calendar, spells, full_ids, last_year, now)
        TierChange.objects.bulk_create(changes, batch_size=2_000)
        if len(full_ids) >= FULL_REFRESH:
            # A district's first measures (or a year's): the outreach that reads them next plans
            # its queries by the table's statistics, which have not seen these rows.
            analyze_on_postgresql(StudentAttendance)
    return RecomputeResult(
        school_year=year,
        as_of=as_of,
        recomputed=len(full_ids),
        advanced=carried,
        advanced_with_events=carried_news,
        tier_changes=len(changes),
        touched=sorted(
            (set(full_ids) | named | news | {change.student_id for change in changes}) & set(spells)
        ),
    )


def _tier_change(
    district: District,
    sid: int,
    year: int,
    before: int | None,
    placement: Any,
    as_of: dt.date,
    now: dt.datetime,
) -> TierChange:
    return TierChange(
        district=district,
        student_id=sid,
        school_year=year,
        from_tier=before,
        to_tier=placement.tier,
        reasons=placement.reasons,
        on=as_of,
        at=now,
    )


PLACED = (
    "id",
    "student_id",
    "as_of",
    "days_enrolled",
    "days_absent",
    "consecutive_unexcused",
    "rate_last_4_weeks",
    "rate_previous_4_weeks",
    "early_absences",
    "chronic_last_year",
    "tier",
    "tier_reasons",
    "tier_since",
    "support_since",
)


RATE = M.RATE_PLACES
READ = {
    "as_of": "date",
    "days_absent": "days",
    "rate_last_4_weeks": "rate",
    "rate_previous_4_weeks": "rate",
    "early_absences": "json",
    "tier_reasons": "json",
    "tier_since": "date",
    "support_since": "date",
}


def _place_carried(
    district: District, rules: AttendanceRules, calendar: M.Calendar, now: dt.datetime
) -> list[TierChange]:
    """Place again the carried students (their rows written at `now`) whose tier may have moved:
    those above Tier 1 (a day may move them between tiers, or end their support), and in Tier 1 those the day may
    have lifted (chronic absence judged, last year's chronic absence, a run of unexcused days, the
    early-warning pace in the first three months). Anyone else stays in Tier 1 with no reason,
    as a placement would leave them. Only the rows whose tier or lasting reasons moved are written
    (a day present changes the numbers, which the row's columns hold, not the reasons). Returns the
    tier changes."""
    as_of, year = calendar.as_of, calendar.school_year
    maybe = (
        Q(tier__gte=Tier.EARLY)
        | Q(chronic_last_year=True)
        | Q(consecutive_unexcused__gte=rules.consecutive_unexcused_intensive)
    )
    # Tier 2 and 3 for absences follow the share missed; the chronic flag is that share judged.
    if Decimal(rules.intensive_share) >= Decimal(rules.chronic_share):
        maybe |= Q(chronic=True)
    else:
        maybe |= Q(days_enrolled__gte=rules.chronic_min_days)
    if as_of <= calendar.month_ends[-1]:
        maybe |= Q(days_absent__gte=min(rules.pace))
    rows = (
        StudentAttendance.objects.filter(district=district, school_year=year, computed_at=now)
        .filter(maybe)
        .values_list(*PLACED)
    )
    changes: list[TierChange] = []
    writes: list[tuple[object, ...]] = []
    # As the driver gives them (the ORM's converters cost more than the placing); the same few
    # dates, JSON lists and numbers recur across students: each parsed once.
    parsed: dict[tuple[str, Any], Any] = {}

    def read(kind: str, raw: Any) -> Any:
        if raw is None or (kind == "json" and not isinstance(raw, str)):
            return raw
        key = (kind, raw)
        if key not in parsed:
            if kind == "date":
                parsed[key] = M.as_date(raw)
            elif kind == "json":
                parsed[key] = json.loads(raw)
            else:
                parsed[key] = Decimal(str(raw)).quantize(M.HUNDREDTH if kind == "days" else RATE)
        return parsed[key]

    for values in M.raw_rows(rows):
        row = dict(zip(PLACED, values, strict=True))
        for name, kind in READ.items():
            row[name] = read(kind, row[name])
        row["chronic_last_year"] = bool(row["chronic_last_year"])
        m = M.Measures(
            student_id=row["student_id"],
            school_year=year,
            as_of=row["as_of"],
            days_enrolled=row["days_enrolled"],
            days_absent=row["days_absent"],
            consecutive_unexcused=row["consecutive_unexcused"],
            rate_last_4_weeks=row["rate_last_4_weeks"],
            rate_previous_4_weeks=row["rate_previous_4_weeks"],
            early_absences=list(row["early_absences"] or []),
            early_period_end=calendar.month_ends[-1],
        )
        placement = place(
            m,
            rules,
            chronic_last_year=row["chronic_last_year"],
            previous_tier=row["tier"],
            support_since=row["support_since"],
        )
        tier_since = row["tier_since"] or as_of
        if placement.tier != row["tier"]:
            tier_since = as_of
            changes.append(
                _tier_change(district, m.student_id, year, row["tier"], placement, as_of, now)
            )
        lasting = placement.lasting_reasons
        if placement.tier == row["tier"] and (lasting, placement.support_since, tier_since) == (
            row["tier_reasons"],
            row["support_since"],
            row["tier_since"],
        ):
            continue
        writes.append((placement.tier, lasting, tier_since, placement.support_since, row["id"]))
    update_rows(StudentAttendance, ["tier", "tier_reasons", "tier_since", "support_since"], writes)
    return changes


def _compute_in_full(
    district: District,
    rules: AttendanceRules,
    calendar: M.Calendar,
    spells: dict[int, list[M.Spell]],
    full_ids: list[int],
    last_year: set[int],
    now: dt.datetime,
) -> list[TierChange]:
    """These students' measures from all their events, their tiers placed, their rows written.
    Returns the tier changes."""
    as_of, year = calendar.as_of, calendar.school_year
    stored = _stored_rows(district, year, full_ids)
    rows: list[tuple[object, ...]] = []
    changes: list[TierChange] = []
    measurer = M.Measurer(calendar, rules)
    for chunk in _chunks(full_ids):
        events = M.load_events(district, calendar, chunk)
        for sid in chunk:
            m = measurer.measure(sid, spells[sid], events.get(sid, []))
            before = stored.get(sid)
            previous_tier = before["tier"] if before else None
            placement = place(
                m,
                rules,
                chronic_last_year=sid in last_year,
                previous_tier=previous_tier,
                support_since=before["support_since"] if before else None,
            )
            if placement.tier != previous_tier:
                tier_since = as_of
                if previous_tier is not None or placement.tier > 1:
                    changes.append(
                        _tier_change(district, sid, year, previous_tier, placement, as_of, now)
                    )
            else:
                tier_since = (before["tier_since"] if before else None) or as_of
            rows.append(
                (
                    district.pk,
                    sid,
                    year,
                    m.site_id,
                    as_of,
                    m.days_enrolled,
                    m.days_absent,
                    m.days_unexcused,
                    m.late_arrivals,
                    m.rate,
                    m.chronic,
                    sid in last_year,
                    m.rate_last_4_weeks,
                    m.rate_previous_4_weeks,
                    m.consecutive_absences,
                    m.consecutive_unexcused,
                    m.last_absent_on,
                    placement.tier,
                    placement.lasting_reasons,
                    tier_since,
                    placement.support_since,
                    m.early_absences,
                    now,
                )
            )
    _upsert(rows)
    return changes


def latest_as_of(district: District, *, school_year: int | None = None) -> dt.date | None:
    """The day the district's measures (of that school year, when given) were last brought up to."""
    rows = StudentAttendance.objects.filter(district=district)
    if school_year is not None:
        rows = rows.filter(school_year=school_year)
    found: dt.date | None = rows.aggregate(d=Max("as_of"))["d"]
    return found


@transaction.atomic
def save_rules(*, rules: AttendanceRules) -> RecomputeResult | None:
    """Save the district's changed rules and place every student again under them."""
    rules.save()
    as_of = latest_as_of(rules.district)
    if as_of is None:
        return None
    result = recompute(district=rules.district, student_ids=None, as_of=as_of)
    after_recompute(district=rules.district, student_ids=result.touched, as_of=as_of)
    return result


def mark_unreachable(*, household: Any, by: Any, note: str = "") -> Unreachable:
    """Call the family unreachable. Refused, saying what is still missing, until the attempts in the
    contact log meet the district's proof of outreach."""
    rules = rules_for(household.district_id)
    with transaction.atomic():
        outreach = outreach_for([household.pk], rules=rules)[household.pk]
        if outreach.unreachable_since is not None:
            raise ValidationError(_("This family is already called unreachable."))
        if not outreach.proven(rules):
            raise ValidationError(
                _(
                    "Not yet: a family may be called unreachable after attempts on at least "
                    "%(attempts)d different days, in at least %(modes)d different ways, each "
                    "logged with its result. Still needed: %(missing)s."
                )
                % {
                    "attempts": rules.unreachable_min_attempts,
                    "modes": rules.unreachable_min_modes,
                    "missing": outreach.missing(rules),
                }
            )
        # A mark the family has since answered stands no more.
        Unreachable.objects.standing().filter(household=household).update(cleared_at=timezone.now())
        return Unreachable.objects.create(
            district_id=household.district_id,
            household=household,
            by=by,
            note=note[:300],
            attempts=[
                {
                    "contact": a.contact_id,
                    "kind": a.kind,
                    "day": a.day.isoformat(),
                    "result": a.result,
                }
                for a in outreach.attempts
            ],
        )


def liaisons_of(household_ids: Iterable[int]) -> dict[int, Any]:
    """Each household's liaison (the longest-standing current one): one query."""
    out: dict[int, Any] = {}
    rows = (
        HouseholdAssignment.objects.current()  # type: ignore[no-untyped-call]
        .filter(household_id__in=list(household_ids), role=AssignmentRole.LIAISON)
        .select_related("staff")
        .order_by("started_on", "pk")
    )
    for row in rows:
        if row.staff.is_active:
            out.setdefault(row.household_id, row.staff)
    return out


def open_intensive_tasks(*, district: Any, student_ids: Iterable[int], as_of: dt.date) -> int:
    """A task for the liaison of each student now in Tier 3: reach the family, offer a home visit,
    talk about support. One task per student and school year (a student who comes back to Tier 3
    reopens it for the new day); a family with no liaison gets none (the list still shows it).
    Returns how many tasks were made or reopened."""
    year = school_year_of(as_of, rules_for(district).year_starts)
    # Ids first: most of a day's Tier 3 students have no liaison, or one already asked; only the
    # rows that may get a task are read whole.
    found = StudentAttendance.objects.filter(
        IdIn("student_id", student_ids),
        district=district,
        school_year=year,  # not last year's Tier 3
        tier=Tier.INTENSIVE,
        student__household__isnull=False,
    ).values_list("pk", "student__household_id")
    households = dict(found)
    owners = liaisons_of(set(households.values()))
    wanted = [pk for pk, household_id in households.items() if household_id in owners]
    if not wanted:
        return 0
    rows = list(
        StudentAttendance.objects.filter(IdIn("pk", wanted)).select_related(
            "student", "student__household"
        )
    )
    made = 0
    with transaction.atomic():
        for row in rows:
            owner = owners.get(row.student.household_id or 0)
            if owner is None:
                continue
            existing = Task.objects.filter(
                source_kind=row._meta.label_lower,
                source_id=str(row.pk),
                due_on__gte=row.tier_since or as_of,
            ).exists()
            if existing:
                continue  # already asked for since the student entered Tier 3
            worklist.schedule_follow_up(
                source=row,
                owner=owner,
                household=row.student.household,
                # Due the day it is opened at the earliest: a file for Friday imported on the
                # weekend must not hand the liaison a task already overdue.
                due_on=max(as_of, timezone.localdate()),
                title=_("Tier 3 attendance: reach %(name)s's family, offer a home visit")
                % {"name": row.student.full_name},
                url=reverse("attendance:at_risk") + f"?student={row.student_id}",
            )
            made += 1
    return made


def after_recompute(*, district: Any, student_ids: Iterable[int], as_of: dt.date) -> None:
    """What outreach does once the measures and tiers of these students are recomputed: their
    at-risk scores, and a task for each one now in Tier 3."""
    ids = list(student_ids)
    atrisk.refresh_scores(district=district, student_ids=ids, as_of=as_of)
    open_intensive_tasks(district=district, student_ids=ids, as_of=as_of)
