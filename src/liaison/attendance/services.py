"""Attendance operations: keeping every student's measures and tier current after an import, and
changing the district's rules."""

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.attendance import atrisk
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
from liaison.core.db import upsert_rows
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
    advanced: int  # students carried forward over days with no event
    tier_changes: int
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


def _stored_rows(district: District, year: int) -> dict[int, dict[str, Any]]:
    """Each student's stored row of the year (the fields the recompute carries forward)."""
    qs = StudentAttendance.objects.filter(district=district, school_year=year).values_list(*STORED)
    parsed: dict[Any, Any] = {}  # dates and JSON lists repeat across students: parse each once
    out: dict[int, dict[str, Any]] = {}
    for values in M.raw_rows(qs):
        row = dict(zip(STORED, values, strict=True))
        for name in DATES:
            raw = row[name]
            if raw is not None and not isinstance(raw, dt.date):
                row[name] = parsed.get(raw) or parsed.setdefault(raw, M.as_date(raw))
        early = row["early_absences"]
        if isinstance(early, str):
            row["early_absences"] = parsed.get(early) or parsed.setdefault(early, json.loads(early))
        out[row["student_id"]] = row
    return out


def _stored(row: Mapping[str, Any]) -> M.Measures:
    return M.Measures(
        student_id=row["student_id"],
        school_year=row["school_year"],
        as_of=row["as_of"],
        days_absent=Decimal(str(row["days_absent"])).quantize(M.HUNDREDTH),
        days_unexcused=Decimal(str(row["days_unexcused"])).quantize(M.HUNDREDTH),
        late_arrivals=row["late_arrivals"],
        consecutive_absences=row["consecutive_absences"],
        consecutive_unexcused=row["consecutive_unexcused"],
        last_absent_on=row["last_absent_on"],
        early_absences=list(row["early_absences"] or []),
    )


def recompute(
    *, district: District, student_ids: Iterable[int] | None, as_of: dt.date
) -> RecomputeResult:
    """Bring every enrolled student's measures and tier up to `as_of` for its school year.

    `student_ids` are the students whose days changed (an import names them; None: everyone):
    they, the students with an event after their stored date, and the students with no row yet
    are computed from all their events; everyone else is carried forward over days present.
    A tier that changes is recorded as a TierChange with the reasons (a student's first placement
    only when it is above Tier 1)."""
    rules = rules_for(district)
    calendar = M.load_calendar(district, as_of, rules)
    year = calendar.school_year
    spells = M.load_spells(district, calendar, None)
    stored = _stored_rows(district, year)
    full: set[int] = set(spells) if student_ids is None else set(student_ids) & set(spells)
    full |= set(spells) - set(stored)
    full |= {sid for sid, row in stored.items() if row["as_of"] > as_of}
    oldest = min((row["as_of"] for row in stored.values()), default=None)
    if oldest is not None and oldest < as_of:
        for sid, day in AttendanceEvent.objects.filter(
            district=district, date__gt=oldest, date__lte=as_of
        ).values_list("student_id", "date"):
            row = stored.get(sid)
            if row is not None and day > row["as_of"]:
                full.add(sid)

    computed: dict[int, M.Measures] = {}
    full_ids = sorted(full)
    for chunk in _chunks(full_ids):
        events = M.load_events(district, calendar, chunk)
        for sid in chunk:
            computed[sid] = M.measure(sid, spells[sid], events.get(sid, []), calendar, rules)
    rest = [sid for sid in spells if sid not in full]
    if rest:
        window = M.load_events(district, calendar, None, since=M.window_start(as_of))
        for sid in rest:
            computed[sid] = M.advance(
                _stored(stored[sid]), spells[sid], window.get(sid, []), calendar, rules
            )

    last_year = set(
        StudentAttendance.objects.filter(
            district=district, school_year=year - 1, chronic=True
        ).values_list("student_id", flat=True)
    )
    now = timezone.now()
    rows: list[tuple[object, ...]] = []
    changes: list[TierChange] = []
    for sid, m in computed.items():
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
                    TierChange(
                        district=district,
                        student_id=sid,
                        school_year=year,
                        from_tier=previous_tier,
                        to_tier=placement.tier,
                        reasons=placement.reasons,
                        on=as_of,
                        at=now,
                    )
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
                placement.reasons,
                tier_since,
                placement.support_since,
                m.early_absences,
                now,
            )
        )
    with transaction.atomic():
        _upsert(rows)
        TierChange.objects.bulk_create(changes, batch_size=2_000)
    return RecomputeResult(
        school_year=year,
        as_of=as_of,
        recomputed=len(full_ids),
        advanced=len(rest),
        tier_changes=len(changes),
        touched=sorted(set(full_ids) | {change.student_id for change in changes}),
    )


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
    rows = list(
        StudentAttendance.objects.filter(
            district=district,
            school_year=year,  # not last year's Tier 3
            student_id__in=list(student_ids),
            tier=Tier.INTENSIVE,
            student__household__isnull=False,
        ).select_related("student", "student__household")
    )
    owners = liaisons_of(r.student.household_id for r in rows if r.student.household_id)
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
