"""Attendance measures, defined once: what each number means and how it is computed from the calendar,
the enrolments and the attendance events.

- days enrolled: the site's instructional days (SchoolDay, closures excluded) from the school year's
  start, or the enrolment's start, to `as_of` or the enrolment's end. A student enrolled at two sites
  on the same day counts it once. An inactive enrolment without an end date is not counted (we do
  not know when it ended).
- days absent: each Excused or Unexcused Absence on an enrolled day counts one day; a Partial day or
  an Early departure counts the district's `partial_day_absent` (default half a day). Events on
  closures or outside an enrolment do not count. One day counts at most one day absent.
- days absent without excuse: the same, for Unexcused Absence alone.
- late arrivals: Tardy events on enrolled days (they do not count as absent).
- attendance rate: (days enrolled − days absent) ÷ days enrolled; none before the first enrolled day.
- chronic absence: days absent ≥ `chronic_share` (10%) of days enrolled, judged only after
  `chronic_min_days` (10) enrolled days.
- trend: the attendance rate over the enrolled days of the last four weeks (28 calendar days ending
  on `as_of`), and over the four weeks before those.
- consecutive absences: whole days absent in a row, counting back from `as_of` over enrolled days
  (closures do not break a run); consecutive unexcused: the same with Unexcused Absence alone.
- early absences: days absent by the end of the school's first, second and third month (for
  Attendance Works' early-warning pace), counted from the district's first instructional day.

`compute` does it for a set of students from scratch; attendance.carry carries a stored row forward
over days on which the student has no event (every one of them a day present), in one UPDATE, which
is what keeps the daily recompute for a whole district cheap.
"""

import bisect
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from liaison.attendance.choices import Category
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceRules,
    SchoolDay,
    rules_for,
    school_year_of,
)
from liaison.core.db import IdIn
from liaison.people.models import District, Enrolment

TREND_DAYS = 28
EARLY_MONTHS = 3
ONE = Decimal(1)
ZERO = Decimal(0)
RATE_PLACES = Decimal("0.0001")
HUNDREDTH = Decimal("0.01")


def raw_rows(qs: QuerySet[Any, Any]) -> Iterator[tuple[Any, ...]]:
    """A values_list queryset's rows as the driver returns them, without Django's converters.

    A district's daily recompute reads a row per student and the last eight weeks' events; the
    converters (dates and decimals from SQLite's text) cost more than the rest of the work. Callers
    read dates through `as_date` and decimals through `Decimal(str(v))`."""
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            yield from batch


def as_date(value: dt.date | str) -> dt.date:
    """A date from the driver: a date already, or ISO text (SQLite without its converters)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@functools.lru_cache(maxsize=65_536)  # a district's students share a few thousand (days, absences)
def rate_of(enrolled: int, absent: Decimal) -> Decimal | None:
    if enrolled <= 0:
        return None
    return ((Decimal(enrolled) - absent) / Decimal(enrolled)).quantize(RATE_PLACES, ROUND_HALF_UP)


def is_chronic(enrolled: int, absent: Decimal, rules: AttendanceRules) -> bool:
    return enrolled >= rules.chronic_min_days and absent >= Decimal(enrolled) * Decimal(
        rules.chronic_share
    )


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 exists in every month


@dataclass
class Calendar:
    """The instructional days of each site in one school year, up to `as_of`, sorted."""

    school_year: int
    year_start: dt.date
    as_of: dt.date
    days: dict[int, list[dt.date]]
    # Ends (inclusive) of the school's first, second and third month.
    month_ends: list[dt.date]

    def count(self, site_id: int, start: dt.date, end: dt.date) -> int:
        days = self.days.get(site_id, [])
        return bisect.bisect_right(days, end) - bisect.bisect_left(days, start)

    def between(self, site_id: int, start: dt.date, end: dt.date) -> list[dt.date]:
        days = self.days.get(site_id, [])
        return days[bisect.bisect_left(days, start) : bisect.bisect_right(days, end)]


def load_calendar(district: District, as_of: dt.date, rules: AttendanceRules) -> Calendar:
    year = school_year_of(as_of, rules.year_starts)
    year_start = dt.date(year, *rules.year_starts)
    days: dict[int, list[dt.date]] = defaultdict(list)
    rows = (
        SchoolDay.objects.filter(
            site__district=district, school_year=year, is_instructional=True, date__lte=as_of
        )
        .order_by("site_id", "date")
        .values_list("site_id", "date")
    )
    for site_id, date in rows:
        days[site_id].append(date)
    first = min((d[0] for d in days.values() if d), default=year_start)
    month_ends = [add_months(first, k) - dt.timedelta(days=1) for k in range(1, EARLY_MONTHS + 1)]
    return Calendar(year, year_start, as_of, dict(days), month_ends)


@dataclass
class Spell:
    """Part of a student's enrolment inside the school year so far: a site, first and last day."""

    site_id: int
    start: dt.date
    end: dt.date


def load_spells(
    district: District, calendar: Calendar, student_ids: Iterable[int] | None
) -> dict[int, list[Spell]]:
    """Each student's enrolments clipped to the school year so far."""
    qs = Enrolment.objects.filter(
        student__district=district, starts_on__lte=calendar.as_of
    ).exclude(ends_on__lt=calendar.year_start)
    qs = qs.exclude(is_active=False, ends_on__isnull=True)
    if student_ids is not None:
        qs = qs.filter(IdIn("student_id", student_ids))
    spells: dict[int, list[Spell]] = defaultdict(list)
    # A district's enrolments share a few hundred (school, start, end): each Spell made once
    # (they are never changed).
    made: dict[tuple[Any, Any, Any], Spell | None] = {}
    for student_id, site_id, starts_on, ends_on in raw_rows(
        qs.values_list("student_id", "site_id", "starts_on", "ends_on").order_by(
            "student_id", "starts_on"
        )
    ):
        key = (site_id, starts_on, ends_on)
        if key in made:
            spell = made[key]
        else:
            start = max(as_date(starts_on), calendar.year_start)
            end = min(as_date(ends_on), calendar.as_of) if ends_on else calendar.as_of
            spell = made[key] = Spell(site_id, start, end) if start <= end else None
        if spell is not None:
            spells[student_id].append(spell)
    return dict(spells)


def enrolled_days(calendar: Calendar, spells: list[Spell], start: dt.date, end: dt.date) -> int:
    """Enrolled instructional days between start and end (inclusive)."""
    if len(spells) == 1:
        s = spells[0]
        lo, hi = max(s.start, start), min(s.end, end)
        return calendar.count(s.site_id, lo, hi) if lo <= hi else 0
    return len(enrolled_dates(calendar, spells, start, end))


def enrolled_dates(
    calendar: Calendar, spells: list[Spell], start: dt.date, end: dt.date
) -> list[dt.date]:
    seen: set[dt.date] = set()
    for s in spells:
        lo, hi = max(s.start, start), min(s.end, end)
        if lo <= hi:
            seen.update(calendar.between(s.site_id, lo, hi))
    return sorted(seen)


def _is_enrolled_day(calendar: Calendar, spells: list[Spell], site_id: int, day: dt.date) -> bool:
    for s in spells:
        if s.site_id == site_id and s.start <= day <= s.end:
            days = calendar.days.get(site_id, [])
            i = bisect.bisect_left(days, day)
            return i < len(days) and days[i] == day
    return False


@dataclass
class Measures:
    """One student's measures for the school year so far (the StudentAttendance fields)."""

    student_id: int
    school_year: int
    as_of: dt.date
    site_id: int | None = None
    days_enrolled: int = 0
    days_absent: Decimal = ZERO
    days_unexcused: Decimal = ZERO
    late_arrivals: int = 0
    rate: Decimal | None = None
    chronic: bool = False
    rate_last_4_weeks: Decimal | None = None
    rate_previous_4_weeks: Decimal | None = None
    consecutive_absences: int = 0
    consecutive_unexcused: int = 0
    last_absent_on: dt.date | None = None
    early_absences: list[str] = field(default_factory=list)
    # The last day of the school's third month: the early-warning pace applies until then.
    early_period_end: dt.date | None = None


def day_weights(
    events: Iterable[tuple[int, dt.date, str]],
    calendar: Calendar,
    spells: list[Spell],
    partial: Decimal,
) -> tuple[dict[dt.date, Decimal], set[dt.date], set[dt.date], int]:
    """(absent share per day, whole days absent, unexcused days, late arrivals) on enrolled days."""
    absent: dict[dt.date, Decimal] = {}
    whole: set[dt.date] = set()
    unexcused: set[dt.date] = set()
    late = 0
    for site_id, day, category in events:
        if not _is_enrolled_day(calendar, spells, site_id, day):
            continue
        if category in (Category.EXCUSED_ABSENCE, Category.UNEXCUSED_ABSENCE):
            absent[day] = ONE
            whole.add(day)
            if category == Category.UNEXCUSED_ABSENCE:
                unexcused.add(day)
        elif category in (Category.PARTIAL, Category.EARLY_DEPARTURE):
            absent[day] = max(absent.get(day, ZERO), partial)
        elif category == Category.TARDY:
            late += 1
    return absent, whole, unexcused, late


def _window_rate(
    calendar: Calendar,
    spells: list[Spell],
    absent: dict[dt.date, Decimal],
    start: dt.date,
    end: dt.date,
) -> Decimal | None:
    enrolled = enrolled_days(calendar, spells, start, end)
    missed = sum((v for d, v in absent.items() if start <= d <= end), ZERO) if absent else ZERO
    return rate_of(enrolled, missed)


def _streak(dates: list[dt.date], marked: set[dt.date]) -> int:
    run = 0
    for day in reversed(dates):
        if day not in marked:
            break
        run += 1
    return run


def measure(
    student_id: int,
    spells: list[Spell],
    events: list[tuple[int, dt.date, str]],
    calendar: Calendar,
    rules: AttendanceRules,
) -> Measures:
    """One student's measures from their spells and all their events of the school year."""
    m = Measures(student_id, calendar.school_year, calendar.as_of)
    m.early_period_end = calendar.month_ends[-1]
    if not spells:
        return m
    m.site_id = spells[-1].site_id
    partial = Decimal(rules.partial_day_absent)
    absent, whole, unexcused, late = day_weights(events, calendar, spells, partial)
    as_of = calendar.as_of
    m.days_enrolled = enrolled_days(calendar, spells, calendar.year_start, as_of)
    m.days_absent = sum(absent.values(), ZERO).quantize(HUNDREDTH)
    m.days_unexcused = Decimal(len(unexcused))
    m.late_arrivals = late
    m.rate = rate_of(m.days_enrolled, m.days_absent)
    m.chronic = is_chronic(m.days_enrolled, m.days_absent, rules)
    last_start = as_of - dt.timedelta(days=TREND_DAYS - 1)
    prev_start = last_start - dt.timedelta(days=TREND_DAYS)
    m.rate_last_4_weeks = _window_rate(calendar, spells, absent, last_start, as_of)
    m.rate_previous_4_weeks = _window_rate(
        calendar, spells, absent, prev_start, last_start - dt.timedelta(days=1)
    )
    dates = enrolled_dates(calendar, spells, calendar.year_start, as_of) if whole else []
    m.consecutive_absences = _streak(dates, whole)
    m.consecutive_unexcused = _streak(dates, unexcused)
    m.last_absent_on = max(absent) if absent else None
    m.early_absences = [
        str(sum((v for d, v in absent.items() if d <= end), ZERO).quantize(HUNDREDTH))
        for end in calendar.month_ends
        if _month_started(calendar, end)
    ]
    return m


# What each category does to a day (measure()'s tests, as one look-up per event).
_WHOLE, _UNEXCUSED, _PART, _LATE = 1, 2, 3, 4
_KIND = {
    Category.EXCUSED_ABSENCE.value: _WHOLE,
    Category.UNEXCUSED_ABSENCE.value: _UNEXCUSED,
    Category.PARTIAL.value: _PART,
    Category.EARLY_DEPARTURE.value: _PART,
    Category.TARDY.value: _LATE,
}


@dataclass
class _Enrolled:
    """What measure() reads from a student's spells alone, the same for every student with them."""

    site_id: int
    # The enrolled instructional days at each site (an event elsewhere does not count).
    days_at: dict[int, frozenset[dt.date]]
    days_enrolled: int
    last_4_weeks: int
    previous_4_weeks: int
    dates: list[dt.date]  # every enrolled day of the year so far, sorted


class Measurer:
    """measure() for the many students of one calendar and rules, giving exactly what it gives
    (tests/attendance/test_measures.py compares them on every student of a generated term).

    A district's 100,000 students share a few hundred sets of spells: what follows from the spells
    alone (enrolled days, trend windows, the dates a run of absences counts back over) is worked
    out once for each. Days absent are added up in whole hundredths of a day and made Decimals
    once per distinct total: the same numbers, without Decimal arithmetic per event."""

    def __init__(self, calendar: Calendar, rules: AttendanceRules) -> None:
        self.calendar, self.rules = calendar, rules
        partial = Decimal(rules.partial_day_absent) * 100
        # A share of a day finer than a hundredth (never saved: the field keeps two places) is
        # left to measure() itself.
        self.partial: int | None = int(partial) if partial == partial.to_integral_value() else None
        self.last_start = calendar.as_of - dt.timedelta(days=TREND_DAYS - 1)
        self.prev_start = self.last_start - dt.timedelta(days=TREND_DAYS)
        self.month_ends = [end for end in calendar.month_ends if _month_started(calendar, end)]
        self._enrolled: dict[tuple[tuple[int, dt.date, dt.date], ...], _Enrolled] = {}
        self._days: dict[int, Decimal] = {}
        self._judged: dict[tuple[int, int], tuple[Decimal | None, bool]] = {}

    def _spells(self, spells: list[Spell]) -> _Enrolled:
        key = tuple((s.site_id, s.start, s.end) for s in spells)
        found = self._enrolled.get(key)
        if found is None:
            calendar, as_of = self.calendar, self.calendar.as_of
            days_at: dict[int, set[dt.date]] = defaultdict(set)
            for s in spells:
                days_at[s.site_id].update(calendar.between(s.site_id, s.start, s.end))
            found = self._enrolled[key] = _Enrolled(
                site_id=spells[-1].site_id,
                days_at={site: frozenset(days) for site, days in days_at.items()},
                days_enrolled=enrolled_days(calendar, spells, calendar.year_start, as_of),
                last_4_weeks=enrolled_days(calendar, spells, self.last_start, as_of),
                previous_4_weeks=enrolled_days(
                    calendar, spells, self.prev_start, self.last_start - dt.timedelta(days=1)
                ),
                dates=enrolled_dates(calendar, spells, calendar.year_start, as_of),
            )
        return found

    def _decimal(self, hundredths: int) -> Decimal:
        """Hundredths of a day as the Decimal measure() adds up to (two places: 3 is 3.00)."""
        found = self._days.get(hundredths)
        if found is None:
            found = self._days[hundredths] = Decimal(hundredths).scaleb(-2)
        return found

    def measure(
        self, student_id: int, spells: list[Spell], events: list[tuple[int, dt.date, str]]
    ) -> Measures:
        calendar, partial = self.calendar, self.partial
        if not spells or partial is None:
            return measure(student_id, spells, events, calendar, self.rules)
        e = self._spells(spells)
        days_at = e.days_at
        absent: dict[dt.date, int] = {}
        whole: set[dt.date] = set()
        unexcused: set[dt.date] = set()
        late = 0
        for site_id, day, category in events:
            days = days_at.get(site_id)
            if days is None or day not in days:
                continue
            kind = _KIND.get(category)
            if kind == _WHOLE:
                absent[day] = 100
                whole.add(day)
            elif kind == _UNEXCUSED:
                absent[day] = 100
                whole.add(day)
                unexcused.add(day)
            elif kind == _PART:
                absent[day] = max(absent.get(day, 0), partial)
            elif kind == _LATE:
                late += 1
        total = last = previous = 0
        months = [0] * len(self.month_ends)
        for day, v in absent.items():
            total += v
            if day >= self.last_start:
                last += v
            elif day >= self.prev_start:
                previous += v
            for i, end in enumerate(self.month_ends):
                if day <= end:
                    months[i] += v
        days_absent = self._decimal(total)
        judged = self._judged.get((e.days_enrolled, total))
        if judged is None:
            judged = self._judged[(e.days_enrolled, total)] = (
                rate_of(e.days_enrolled, days_absent),
                is_chronic(e.days_enrolled, days_absent, self.rules),
            )
        return Measures(
            student_id,
            calendar.school_year,
            calendar.as_of,
            site_id=e.site_id,
            days_enrolled=e.days_enrolled,
            days_absent=days_absent,
            days_unexcused=Decimal(len(unexcused)),
            late_arrivals=late,
            rate=judged[0],
            chronic=judged[1],
            rate_last_4_weeks=rate_of(e.last_4_weeks, self._decimal(last)),
            rate_previous_4_weeks=rate_of(e.previous_4_weeks, self._decimal(previous)),
            consecutive_absences=_streak(e.dates, whole) if whole else 0,
            consecutive_unexcused=_streak(e.dates, unexcused) if whole else 0,
            last_absent_on=max(absent) if absent else None,
            early_absences=[str(self._decimal(v)) for v in months],
            early_period_end=calendar.month_ends[-1],
        )


def _month_started(calendar: Calendar, end: dt.date) -> bool:
    """Whether the school month ending on `end` has begun by as_of (the first month always has)."""
    index = calendar.month_ends.index(end)
    return index == 0 or calendar.as_of > calendar.month_ends[index - 1]


def load_events(
    district: District,
    calendar: Calendar,
    student_ids: Iterable[int] | None,
    since: dt.date | None = None,
) -> dict[int, list[tuple[int, dt.date, str]]]:
    """Each student's events of the school year so far (from `since`, when given), in no order."""
    qs = AttendanceEvent.objects.filter(
        date__gte=since or calendar.year_start, date__lte=calendar.as_of
    )
    wanted: set[int] | None = None
    ids = None if student_ids is None else sorted(student_ids)
    if ids is None:
        qs = qs.filter(district=district)
    elif not ids:
        return {}
    elif ids[-1] - ids[0] < 2 * len(ids):
        # Ids close together (a batch of a district's students in turn): one range of the unique
        # index, the others' rows dropped here. PostgreSQL spends ten times longer on `= ANY` of
        # 5,000 ids, one descent of the index each (4 s of a year's recompute).
        qs = qs.filter(student_id__gte=ids[0], student_id__lte=ids[-1])
        wanted = set(ids)
    else:
        # Found through the unique index, which starts with the student, the district checked on
        # each row: with the district in the query SQLite read every event of the district
        # through its index for each batch of students (20 times 1.5 million rows for a
        # district's 100,000 students).
        qs = qs.filter(IdIn("student_id", ids))
    found: dict[int, list[tuple[int, dt.date, str]]] = defaultdict(list)
    dates: dict[Any, dt.date] = {}  # a few hundred distinct days: parse each once
    district_id = district.pk
    # No ORDER BY (the model's default is by date): nothing here depends on the events' order,
    # and sorting them costs SQLite a temporary b-tree for every batch.
    for student_id, site_id, date, category, event_district in raw_rows(
        qs.values_list("student_id", "site_id", "date", "category", "district_id").order_by()
    ):
        if event_district != district_id or (wanted is not None and student_id not in wanted):
            continue
        day = dates.get(date)
        if day is None:
            day = dates[date] = as_date(date)
        found[student_id].append((site_id, day, category))
    return found


def compute(
    *,
    district: District,
    student_ids: Iterable[int] | None,
    as_of: dt.date,
    rules: AttendanceRules | None = None,
) -> dict[int, Measures]:
    """Measures from scratch for these students (None: every student enrolled this year)."""
    rules = rules or rules_for(district)
    calendar = load_calendar(district, as_of, rules)
    ids = None if student_ids is None else list(student_ids)
    spells = load_spells(district, calendar, ids)
    events = load_events(district, calendar, ids)
    return {sid: measure(sid, spells[sid], events.get(sid, []), calendar, rules) for sid in spells}
