"""Attendance in the insights: the students' measures rolled up by site, grade, language, programme,
class and household, and "did it work" (attendance before and after a family's first outreach).

Definitions (metrics.py's list points here):
- attendance_students: students with measures this school year.
- attendance_rate: days attended ÷ days enrolled, summed over the group's students (a student with
  more enrolled days weighs more, as the state reports count).
- chronic_absent / chronic_share: students chronically absent (measures.py) and their share.
- tier_2 / tier_3: students in Tier 2 and Tier 3.
The language of a student is their household's (HouseholdDimension, as every other figure counts
it); a student counts under each of their programmes and classes.

Before/after: for each student whose household had its first outreach (a logged contact: call,
text, email, home visit, meeting, walk-in) this school year, the attendance rate over the student's
enrolled days in the four weeks before that day and the four weeks after it; "left chronic absence"
counts students chronically absent on the day before the outreach and not chronically absent now.
It is a before/after comparison, not a causal estimate: attendance changes for many reasons.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from liaison.attendance import measures as M
from liaison.attendance.models import StudentAttendance, TierChange, rules_for
from liaison.concerns.models import Contact
from liaison.insights.choices import Dimension, Scope
from liaison.insights.metrics import share, suppress
from liaison.insights.models import HouseholdDimension
from liaison.people.models import ClassSection, District, StudentProgramme

CLASS = "class"
HOUSEHOLD = "household"
# The breakdowns stored in the daily rollups (classes and households are read on demand).
ROLLED_UP = (
    Dimension.ALL,
    Dimension.SITE,
    Dimension.GRADE,
    Dimension.LANGUAGE,
    Dimension.PROGRAMME,
)


@dataclass
class Group:
    students: int = 0
    enrolled: int = 0
    absent: Decimal = Decimal(0)
    chronic: int = 0
    tiers: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, enrolled: int, absent: Decimal, chronic: bool, tier: int) -> None:
        self.students += 1
        self.enrolled += enrolled
        self.absent += absent
        self.chronic += int(chronic)
        self.tiers[tier] += 1

    @property
    def rate(self) -> float | None:
        if not self.enrolled:
            return None
        return float((Decimal(self.enrolled) - self.absent) / self.enrolled)

    def figures(self) -> dict[str, Any]:
        return {
            "attendance_students": self.students,
            "attendance_rate": self.rate,
            "chronic_absent": self.chronic,
            "chronic_share": share(self.chronic, self.students),
            "tier_2": self.tiers.get(2, 0),
            "tier_3": self.tiers.get(3, 0),
        }


def current_year(district_id: int) -> int | None:
    year: int | None = (
        StudentAttendance.objects.filter(district_id=district_id)
        .order_by("-school_year")
        .values_list("school_year", flat=True)
        .first()
    )
    return year


def _household_values(household_ids: Iterable[int]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    ids = list(household_ids)
    for start in range(0, len(ids), 5_000):
        for hid, dimension, value in HouseholdDimension.objects.filter(
            engagement_id__in=ids[start : start + 5_000],
            dimension__in=[Dimension.LANGUAGE, Dimension.LIAISON],
        ).values_list("engagement_id", "dimension", "value"):
            out[hid][dimension].append(value)
    return out


def groups(
    district_id: int, school_year: int | None = None
) -> dict[tuple[str, int, str, str], Group]:
    """(scope, scope id, dimension, value) -> the group's totals: the district, each site and each
    liaison's caseload, by every breakdown including classes and households."""
    year = school_year or current_year(district_id)
    if year is None:
        return {}
    rows = list(
        StudentAttendance.objects.filter(district_id=district_id, school_year=year).values_list(
            "student_id",
            "site_id",
            "student__household_id",
            "student__grade",
            "days_enrolled",
            "days_absent",
            "chronic",
            "tier",
        )
    )
    ids = [r[0] for r in rows]
    programmes: dict[int, list[str]] = defaultdict(list)
    classes: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        for sid, programme in StudentProgramme.objects.filter(student_id__in=chunk).values_list(
            "student_id", "programme"
        ):
            programmes[sid].append(programme)
        for sid, class_id in ClassSection.students.through.objects.filter(
            student_id__in=chunk
        ).values_list("student_id", "classsection_id"):
            classes[sid].append(str(class_id))
    households = _household_values({r[2] for r in rows if r[2]})
    out: dict[tuple[str, int, str, str], Group] = defaultdict(Group)
    for sid, site_id, household_id, grade, enrolled, absent, chronic, tier in rows:
        hh = households.get(household_id or 0, {})
        values: list[tuple[str, str]] = [(Dimension.ALL, "")]
        if site_id:
            values.append((Dimension.SITE, str(site_id)))
        if grade:
            values.append((Dimension.GRADE, grade))
        values += [(Dimension.LANGUAGE, v) for v in hh.get(Dimension.LANGUAGE, [])]
        values += [(Dimension.PROGRAMME, p) for p in programmes.get(sid, [])]
        values += [(CLASS, c) for c in classes.get(sid, [])]
        if household_id:
            values.append((HOUSEHOLD, str(household_id)))
        scopes = [(Scope.DISTRICT, district_id)]
        if site_id:
            scopes.append((Scope.SITE, site_id))
        scopes += [(Scope.CASELOAD, int(v)) for v in hh.get(Dimension.LIAISON, [])]
        for scope, scope_id in scopes:
            for dimension, value in values:
                out[(scope, scope_id, dimension, value)].add(
                    enrolled, Decimal(absent), chronic, tier
                )
    return out


def attendance_rollups(add: Callable[..., None], district_id: int) -> None:
    """The attendance figures of the daily rollups (insights.services.rebuild_rollups)."""
    for (scope, scope_id, dimension, value), group in groups(district_id).items():
        if dimension not in ROLLED_UP:
            continue
        for metric, number in group.figures().items():
            add(scope, scope_id, metric, dimension, value, number)


def figures_by(
    district_id: int, dimension: str, *, scope: str = Scope.DISTRICT, scope_id: int | None = None
) -> dict[str, dict[str, Any]]:
    """One scope's attendance figures by one breakdown (e.g. CLASS), value -> figures."""
    scope_id = district_id if scope_id is None else scope_id
    return {
        value: group.figures()
        for (s, sid, d, value), group in groups(district_id).items()
        if s == scope and sid == scope_id and d == dimension
    }


@dataclass
class BeforeAfter:
    students: int = 0
    enrolled_before: int = 0
    absent_before: Decimal = Decimal(0)
    enrolled_after: int = 0
    absent_after: Decimal = Decimal(0)
    were_chronic: int = 0
    left_chronic: int = 0

    @property
    def rate_before(self) -> float | None:
        e = self.enrolled_before
        return float((e - self.absent_before) / e) if e else None

    @property
    def rate_after(self) -> float | None:
        e = self.enrolled_after
        return float((e - self.absent_after) / e) if e else None

    def shared(self) -> dict[str, Any]:
        """As shown outside the district's own staff: counts under 10 as "<10", and no rates for a
        group of fewer than 10 students (a rate of a handful identifies them), nor any of its counts
        shown apart: "0 left chronic absence" beside "<10 students" would tell of each of them."""
        small = self.students < 10
        return {
            "students": suppress(self.students),
            "rate_before": None if small else self.rate_before,
            "rate_after": None if small else self.rate_after,
            "were_chronic": "<10" if small else suppress(self.were_chronic),
            "left_chronic": "<10" if small else suppress(self.left_chronic),
        }


WEEKS_4 = dt.timedelta(days=M.TREND_DAYS)


def before_after(
    district: District, *, as_of: dt.date, site_ids: Iterable[int] | None = None
) -> dict[tuple[str, str], BeforeAfter]:
    """(breakdown, value) -> before/after figures, by tier (the tier on the day of the first
    outreach), site and language, plus ("all", ""); of the students of `site_ids` only, when
    given (a site leader's schools)."""
    rules = rules_for(district)
    calendar = M.load_calendar(district, as_of, rules)
    students = StudentAttendance.objects.filter(district=district, school_year=calendar.school_year)
    if site_ids is not None:
        students = students.filter(site_id__in=list(site_ids))
    rows = {
        r[0]: r
        for r in students.values_list(
            "student_id", "student__household_id", "site_id", "chronic", "tier"
        )
    }
    firsts: dict[int, dt.date] = {}
    for household_id, at in (
        Contact.objects.filter(
            household__district=district,
            at__date__gte=calendar.year_start,
            at__date__lte=as_of,
        )
        .order_by("at")
        .values_list("household_id", "at")
    ):
        firsts.setdefault(household_id, at.date())
    reached = [sid for sid, r in rows.items() if r[1] in firsts]
    if not reached:
        return {}
    spells = M.load_spells(district, calendar, reached)
    events = M.load_events(district, calendar, reached)
    tiers_then = _tiers_on(district, reached, {sid: firsts[rows[sid][1]] for sid in reached})
    languages = _household_values({rows[sid][1] for sid in reached})
    out: dict[tuple[str, str], BeforeAfter] = defaultdict(BeforeAfter)
    partial = Decimal(rules.partial_day_absent)
    for sid in reached:
        if sid not in spells:
            continue
        day = firsts[rows[sid][1]]
        absent, *_ = M.day_weights(events.get(sid, []), calendar, spells[sid], partial)
        before = (day - WEEKS_4, day - dt.timedelta(days=1))
        after = (day, min(day + WEEKS_4 - dt.timedelta(days=1), as_of))
        eb = M.enrolled_days(calendar, spells[sid], *before)
        ea = M.enrolled_days(calendar, spells[sid], *after)
        ab = sum((v for d, v in absent.items() if before[0] <= d <= before[1]), Decimal(0))
        aa = sum((v for d, v in absent.items() if after[0] <= d <= after[1]), Decimal(0))
        so_far = M.enrolled_days(calendar, spells[sid], calendar.year_start, before[1])
        missed = sum((v for d, v in absent.items() if d <= before[1]), Decimal(0))
        was_chronic = M.is_chronic(so_far, missed, rules)
        keys = [("all", ""), ("tier", str(tiers_then.get(sid, 1)))]
        if rows[sid][2]:
            keys.append(("site", str(rows[sid][2])))
        keys += [
            ("language", v) for v in languages.get(rows[sid][1], {}).get(Dimension.LANGUAGE, [])
        ]
        for key in keys:
            g = out[key]
            g.students += 1
            g.enrolled_before += eb
            g.absent_before += ab
            g.enrolled_after += ea
            g.absent_after += aa
            g.were_chronic += int(was_chronic)
            g.left_chronic += int(was_chronic and not rows[sid][3])
    return dict(out)


def _tiers_on(
    district: District, student_ids: list[int], days: dict[int, dt.date]
) -> dict[int, int]:
    """Each student's tier on a given day, from the recorded tier changes (Tier 1 before any)."""
    out: dict[int, int] = {}
    for sid, to_tier, on in (
        TierChange.objects.filter(district=district, student_id__in=student_ids)
        .order_by("on", "at")
        .values_list("student_id", "to_tier", "on")
    ):
        if on <= days[sid]:
            out[sid] = to_tier
    return out
